/**
 * The cluster file of `edgectl apply -f cluster.yaml`: one declarative spec of
 * a cluster and its hosts, in the shape operators know from k0sctl
 * (apiVersion, kind: Cluster, metadata, spec.hosts[] with role and ssh).
 *
 * Parsing collects every problem at once, each with its path
 * (`spec.hosts[3].ssh.port: 99999 is not a port`), before anything connects
 * anywhere. The value rules are the ones the single-host commands use
 * (core/install-options.ts, core/validate-node.ts), so a spec accepts exactly
 * what `edgectl rke2 server|agent` would. The JSON Schema for editors
 * (schema/cluster.schema.json) is generated from the same zod schema.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { clusterIdProblem } from './cluster-id.js';
import { type InstallOptions, EMPTY_INSTALL_OPTIONS, installOptionProblems } from './install-options.js';
import { isDnsSubdomain, nodeLabelProblem, nodeNameProblem, nodeTaintProblem, tlsSanProblem } from './validate-node.js';
import { mountProblem } from './vault-layout.js';

export const SPEC_API_VERSION = 'edgectl.io/v1alpha1';
export const SPEC_KIND = 'Cluster';

const hostAddress = z.string().refine((a) => isIP(a) !== 0 || isDnsSubdomain(a), { message: 'is neither an IP address nor a DNS name' });
const port = z.number({ message: 'is not a number' }).int('is not a whole number').min(1, 'is not a port').max(65535, 'is not a port');
/** A string checked by one of the single-host rules; its message loses the flag and value it names (the path and value are shown instead). */
const ruled = (problem: (v: string) => string | undefined) =>
  z.string().superRefine((v, c) => {
    const p = problem(v);
    if (p !== undefined) c.addIssue({ code: 'custom', message: p.replace(/^--[a-z-]+ /, '').replace(JSON.stringify(v), '').trim() });
  });
/** A string checked by the install option rules alone (the same as the flag's). */
const optionRuled = (field: 'version' | 'channel' | 'cni' | 'profile') =>
  ruled((v) => installOptionProblems({ ...EMPTY_INSTALL_OPTIONS, [field]: v })[0]);

const sshSchema = z
  .object({
    address: hostAddress.describe('IP address or DNS name of the host'),
    user: z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'is not a user name').default('root').describe('SSH user (default root)'),
    port: port.default(22).describe('SSH port (default 22)'),
    keyPath: z.string().min(1).optional().describe('private key file; without it the SSH agent ($SSH_AUTH_SOCK) is used'),
    bastion: z
      .object({
        address: hostAddress,
        user: z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/, 'is not a user name').default('root'),
        port: port.default(22),
        keyPath: z.string().min(1).optional(),
      })
      .strict()
      .optional()
      .describe('jump host to reach this host through'),
  })
  .strict();

const hostSchema = z
  .object({
    role: z.enum(['server', 'agent'], { message: 'is neither server nor agent' }).describe('server (control plane) or agent (worker)'),
    ssh: sshSchema,
    sudo: z.boolean().default(false).describe('run edgectl through sudo (for a non-root SSH user)'),
    nodeName: ruled(nodeNameProblem).optional().describe('Kubernetes node name (default: the host name)'),
    nodeLabels: z.array(ruled(nodeLabelProblem)).default([]).describe('labels added to the cluster defaults, key=value'),
    nodeTaints: z.array(ruled(nodeTaintProblem)).default([]).describe('taints added to the cluster defaults, key=value:Effect'),
  })
  .strict();

const clusterIdSchema = z
  .string()
  .superRefine((v, c) => {
    if (v === 'new') return;
    const p = clusterIdProblem(v);
    if (p !== undefined) c.addIssue({ code: 'custom', message: `${JSON.stringify(v)} ${p} (or "new")` });
  })
  .describe('"new" to bootstrap a cluster, or the ID of one in Vault (rke2-abc12345)');

export const clusterSpecSchema = z
  .object({
    apiVersion: z.literal(SPEC_API_VERSION, { message: `must be ${SPEC_API_VERSION}` }),
    kind: z.literal(SPEC_KIND, { message: `must be ${SPEC_KIND}` }),
    metadata: z.object({ name: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'is not a lowercase DNS label') }).strict(),
    spec: z
      .object({
        cluster: z
          .object({
            id: clusterIdSchema.default('new'),
            rke2: z
              .object({
                version: optionRuled('version').optional().describe('RKE2 version, e.g. v1.30.4+rke2r1'),
                channel: optionRuled('channel').optional().describe('release channel: stable, latest, testing, v1.30'),
                airgapDir: z.string().optional().describe('directory with the air-gap artifacts on every host'),
              })
              .strict()
              .default({}),
            tlsSan: z.array(ruled(tlsSanProblem)).default([]),
            cni: optionRuled('cni').optional(),
            profile: optionRuled('profile').optional(),
            nodeLabels: z.array(ruled(nodeLabelProblem)).default([]).describe('labels every node gets'),
            nodeTaints: z.array(ruled(nodeTaintProblem)).default([]).describe('taints every node gets'),
          })
          .strict()
          .default({ id: 'new', rke2: {}, tlsSan: [], nodeLabels: [], nodeTaints: [] }),
        vault: z
          .object({
            address: z.url({ protocol: /^https?$/, message: 'is not an http(s) URL' }).describe('Vault address the operator machine and the hosts use'),
            namespace: z.string().regex(/^(?:[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*)?$/, 'is not a namespace path').default(''),
            mount: ruled(mountProblem).default('kv'),
            approleMount: ruled(mountProblem).default('approle'),
            caFile: z.string().min(1).optional().describe('CA bundle that signs the Vault certificate'),
          })
          .strict(),
        hosts: z.array(hostSchema).min(1, 'lists no host'),
        options: z
          .object({
            concurrency: z.number().int().min(1, 'must be at least 1').max(100, 'must be at most 100').default(5).describe('agents joined at once'),
            drain: z
              .object({ enabled: z.boolean().default(true), timeout: z.string().regex(/^\d+[smh]$/, 'is not a duration like 5m').default('5m') })
              .strict()
              .default({ enabled: true, timeout: '5m' }),
          })
          .strict()
          .default({ concurrency: 5, drain: { enabled: true, timeout: '5m' } }),
      })
      .strict(),
  })
  .strict();

export type ClusterSpec = z.output<typeof clusterSpecSchema>;
export type SpecHost = ClusterSpec['spec']['hosts'][number];

/** A path as an operator reads it: spec.hosts[3].ssh.port */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(document)' : out;
}

/** What a value was, for a message: short and never more than a line. */
function shown(value: unknown): string {
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
}

function valueAt(doc: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = doc;
  for (const p of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** The cluster settings as the single-host commands' install options. */
export function installOptionsOf(spec: ClusterSpec, host?: SpecHost): InstallOptions {
  const c = spec.spec.cluster;
  const o: InstallOptions = {
    ...EMPTY_INSTALL_OPTIONS,
    tlsSan: [...c.tlsSan],
    nodeLabel: [...c.nodeLabels, ...(host?.nodeLabels ?? [])],
    nodeTaint: [...c.nodeTaints, ...(host?.nodeTaints ?? [])],
  };
  if (c.rke2.version !== undefined) o.version = c.rke2.version;
  if (c.rke2.channel !== undefined) o.channel = c.rke2.channel;
  if (c.rke2.airgapDir !== undefined) o.airgapDir = c.rke2.airgapDir;
  if (c.cni !== undefined) o.cni = c.cni;
  if (c.profile !== undefined) o.profile = c.profile;
  if (host?.nodeName !== undefined) o.nodeName = host.nodeName;
  return o;
}

/** Problems across fields and hosts that the per-field rules cannot see. */
function crossProblems(spec: ClusterSpec): string[] {
  const out: string[] = [];
  const hosts = spec.spec.hosts;
  if (spec.spec.cluster.id === 'new' && !hosts.some((h) => h.role === 'server')) {
    out.push('spec.hosts: a new cluster needs at least one host with role server');
  }
  const seen = new Map<string, number>();
  hosts.forEach((h, i) => {
    const key = `${h.ssh.address}:${h.ssh.port}`;
    const first = seen.get(key);
    if (first !== undefined) out.push(`spec.hosts[${i}].ssh: ${key} is the same host as spec.hosts[${first}]`);
    else seen.set(key, i);
  });
  const names = new Map<string, number>();
  hosts.forEach((h, i) => {
    if (h.nodeName === undefined) return;
    const first = names.get(h.nodeName);
    if (first !== undefined) out.push(`spec.hosts[${i}].nodeName: ${JSON.stringify(h.nodeName)} is already the name of spec.hosts[${first}]`);
    else names.set(h.nodeName, i);
  });
  // the install options' own rules (version vs channel, channel vs air-gap, cni, profile), once per spec
  for (const p of installOptionProblems(installOptionsOf(spec))) out.push(`spec.cluster: ${p.replace(/--airgap-dir/g, 'rke2.airgapDir').replace(/--version/g, 'rke2.version').replace(/--channel/g, 'rke2.channel').replace(/--cni/g, 'cni').replace(/--profile/g, 'profile')}`);
  return out;
}

export type SpecResult = { ok: true; spec: ClusterSpec } | { ok: false; problems: string[] };

/** Check a parsed YAML document; every problem at once, each naming its path. */
export function checkClusterSpec(doc: unknown): SpecResult {
  const parsed = clusterSpecSchema.safeParse(doc);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const path = formatPath(issue.path);
      if (issue.code === 'unrecognized_keys') return `${path === '(document)' ? '' : `${path}: `}unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
      const value = valueAt(doc, issue.path);
      if (value === undefined && issue.code === 'invalid_type') return `${path}: is required`;
      const v = value === undefined || typeof value === 'object' ? '' : `${shown(value)} `;
      return `${path}: ${v}${issue.message}`;
    });
    return { ok: false, problems };
  }
  const problems = crossProblems(parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, spec: parsed.data };
}

/** The JSON Schema of the cluster file (published as schema/cluster.schema.json). */
export function clusterSpecJsonSchema(): unknown {
  const generated = z.toJSONSchema(clusterSpecSchema, { io: 'input', target: 'draft-2020-12' });
  return { ...generated, $id: 'https://github.com/edgectl/edgectl/schema/cluster.schema.json', title: 'edgectl cluster file (edgectl apply -f)' };
}

/** One host of `edgectl init`: "ADDR", "USER@ADDR", "ADDR:PORT" or "USER@ADDR:PORT" (IPv6 as [ADDR]:PORT). */
export function parseInitHost(text: string): { address: string; user?: string; port?: number } | string {
  const m = /^(?:([a-z_][a-z0-9_.-]{0,31})@)?(\[[0-9a-fA-F:.]+\]|[^:@\s]+)(?::(\d{1,5}))?$/.exec(text.trim());
  if (m === null) return `${JSON.stringify(text.slice(0, 80))} is not ADDR, USER@ADDR or ADDR:PORT`;
  const address = (m[2] ?? '').replace(/^\[|\]$/g, '');
  if (isIP(address) === 0 && !isDnsSubdomain(address)) return `${JSON.stringify(address.slice(0, 80))} is neither an IP address nor a DNS name`;
  const out: { address: string; user?: string; port?: number } = { address };
  if (m[1] !== undefined) out.user = m[1];
  if (m[3] !== undefined) {
    const port = Number(m[3]);
    if (port < 1 || port > 65535) return `${m[3]} is not a port`;
    out.port = port;
  }
  return out;
}

/**
 * A commented cluster file for these hosts (the first a server, the rest
 * agents; three or more hosts: the first three servers, for HA), with
 * every field and what it means. It passes checkClusterSpec as it is.
 */
export function specSkeleton(
  hosts: ReadonlyArray<{ address: string; user?: string; port?: number; role?: 'server' | 'agent'; keyPath?: string; sudo?: boolean; name?: string }>,
  name = 'my-cluster',
): string {
  const list = hosts.length > 0 ? hosts : [{ address: '10.0.0.10' }, { address: '10.0.0.11' }];
  const servers = list.length >= 5 ? 3 : 1;
  const q = (s: string): string => JSON.stringify(s);
  const lines = [
    `# edgectl cluster file: \`edgectl apply -f cluster.yaml\` (schema: schema/cluster.schema.json)`,
    `apiVersion: ${SPEC_API_VERSION}`,
    `kind: ${SPEC_KIND}`,
    'metadata:',
    `  name: ${q(name)}            # a name for this file's cluster (lowercase DNS label)`,
    'spec:',
    '  cluster:',
    '    id: new                  # "new" bootstraps a cluster; or the ID of one in Vault, e.g. rke2-abc12345',
    '    rke2:',
    '      channel: stable        # or version: v1.30.4+rke2r1 (a change of version is a rolling upgrade)',
    '      # airgapDir: /opt/rke2-artifacts   # air-gap artifacts, already on every host',
    '    tlsSan: []               # extra names/addresses for the API server certificate',
    '    # cni: canal             # canal (default), calico, cilium, …',
    '    # profile: cis',
    '    nodeLabels: []           # key=value, on every node',
    '    nodeTaints: []           # key=value:Effect, on every node',
    '  vault:',
    '    address: https://vault.example:8200   # as the operator machine and the hosts reach it',
    '    # namespace: tenant-a',
    '    mount: kv',
    '    approleMount: approle',
    '    # caFile: /etc/ssl/vault-ca.pem',
    '  options:',
    '    concurrency: 5           # agents joined at once',
    '    drain:                   # cordon and drain each node before its upgrade',
    '      enabled: true',
    '      timeout: 5m',
    '  hosts:',
  ];
  list.forEach((h, i) => {
    lines.push(`    - role: ${h.role ?? (i < servers ? 'server' : 'agent')}`);
    lines.push('      ssh:');
    lines.push(`        address: ${q(h.address)}`);
    lines.push(`        user: ${q(h.user ?? 'root')}`);
    lines.push(`        port: ${h.port ?? 22}`);
    if (h.keyPath !== undefined) lines.push(`        keyPath: ${q(h.keyPath)}`);
    if (h.sudo === true) lines.push('      sudo: true');
    if (h.name !== undefined && nodeNameProblem(h.name) === undefined) lines.push(`      nodeName: ${q(h.name)}`);
    if (i === 0) {
      lines.push('        # keyPath: ~/.ssh/id_ed25519     # default: the SSH agent');
      lines.push('        # bastion: { address: jump.example, user: ops }');
      lines.push('      # sudo: true            # for a non-root SSH user');
      lines.push('      # nodeName: srv-1       # default: the host name');
      lines.push('      # nodeLabels: [zone=a]');
    }
  });
  return `${lines.join('\n')}\n`;
}
