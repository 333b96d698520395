/**
 * The ACL policies edgectl needs, as code: one table of rules per policy,
 * rendered to the HCL that `vault setup` writes and that the README shows (a
 * unit test holds the two equal for mount kv and cluster rke2-abc12345). Pure.
 *
 *   edgectl-operator         cluster list|show|delete, node remove, kubeconfig --from-vault
 *   edgectl-bootstrap        a first server creating a new cluster (any cluster ID: it is new)
 *   edgectl-<id>-server      the servers of one cluster: join, day-2, publish the admin kubeconfig
 *   edgectl-<id>-agent       the agents of one cluster
 *
 * `policyGrants` evaluates the rules as Vault does (glob `*` at the end, `+` for
 * one segment), so tests can hold `vault check`'s needs against these tables.
 */
import { parseClusterId } from './cluster-id.js';
import { BOOTSTRAP_POLICY, type JoinRole, OPERATOR_POLICY, clusterPolicyName } from './join-code.js';
import { ADMIN_FOLDER, CLUSTERS_FOLDER, mountProblem } from './vault-layout.js';
import { usageError } from './errors.js';

export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo';

/** One `path "…" { capabilities = [...] }` line, with an optional comment line above it. */
export interface PolicyRule {
  path: string;
  capabilities: readonly Capability[];
  comment?: string;
}

/** A named policy: its rules and their HCL. */
export interface PolicyDocument {
  name: string;
  rules: readonly PolicyRule[];
  hcl: string;
}

function checkedMount(mount: string): string {
  const problem = mountProblem(mount);
  if (problem !== undefined) throw usageError(`invalid KV mount ${JSON.stringify(mount.slice(0, 80))}: ${problem}`);
  return mount;
}

/** The operator's rules (README edgectl-operator). */
export function operatorPolicyRules(mount: string): PolicyRule[] {
  const m = checkedMount(mount);
  return [
    { path: `${m}/metadata/${CLUSTERS_FOLDER}/*`, capabilities: ['read', 'list', 'delete'] },
    { path: `${m}/detailed-metadata/${CLUSTERS_FOLDER}/*`, capabilities: ['list'] },
    { path: `${m}/data/${CLUSTERS_FOLDER}/*`, capabilities: ['read'] },
    { path: `${m}/metadata/${ADMIN_FOLDER}/*`, capabilities: ['delete'] },
    {
      path: `${m}/data/${ADMIN_FOLDER}/*`,
      capabilities: ['read'],
      comment: 'the admin kubeconfig: cluster-admin access to every cluster; give it only to cluster operators',
    },
  ];
}

/** A bootstrapping server's rules (README edgectl-server): it creates a cluster whose ID no policy can name yet. */
export function bootstrapPolicyRules(mount: string): PolicyRule[] {
  const m = checkedMount(mount);
  return [
    { path: `${m}/data/${CLUSTERS_FOLDER}/*`, capabilities: ['create', 'read', 'update'] },
    { path: `${m}/metadata/${CLUSTERS_FOLDER}/*`, capabilities: ['patch'] },
    { path: `${m}/data/${ADMIN_FOLDER}/*`, capabilities: ['create', 'read', 'update'], comment: 'the admin kubeconfig: servers publish it (rke2 kubeconfig --publish)' },
  ];
}

/** The rules of one cluster's servers or agents: that cluster's paths and no other's. */
export function clusterPolicyRules(mount: string, clusterId: string, role: JoinRole): PolicyRule[] {
  const m = checkedMount(mount);
  const id = parseClusterId(clusterId);
  const cluster = `${CLUSTERS_FOLDER}/${id}`;
  if (role === 'agent') {
    return [
      { path: `${m}/data/${cluster}`, capabilities: ['read'] },
      { path: `${m}/data/${cluster}/nodes/*`, capabilities: ['create', 'read', 'update'] },
      { path: `${m}/metadata/${cluster}`, capabilities: ['read'] },
      { path: `${m}/metadata/${cluster}/nodes/*`, capabilities: ['list', 'delete'] },
    ];
  }
  return [
    { path: `${m}/data/${cluster}`, capabilities: ['create', 'read', 'update'] },
    { path: `${m}/data/${cluster}/nodes/*`, capabilities: ['create', 'read', 'update'] },
    { path: `${m}/metadata/${cluster}`, capabilities: ['read', 'patch', 'delete'] },
    { path: `${m}/metadata/${cluster}/nodes/*`, capabilities: ['list', 'delete'] },
    {
      path: `${m}/data/${ADMIN_FOLDER}/${id}/*`,
      capabilities: ['create', 'read', 'update'],
      comment: 'its admin kubeconfig: publish (rke2 kubeconfig --publish), delete (uninstall --purge-cluster)',
    },
    { path: `${m}/metadata/${ADMIN_FOLDER}/${id}/*`, capabilities: ['delete'] },
  ];
}

/** HCL of rules: one line per rule, the paths padded so the braces line up, comments on their own line. */
export function renderPolicy(rules: readonly PolicyRule[]): string {
  const width = Math.max(...rules.map((r) => JSON.stringify(r.path).length));
  const lines: string[] = [];
  for (const r of rules) {
    if (r.comment !== undefined) lines.push(`# ${r.comment}`);
    const caps = r.capabilities.map((c) => `"${c}"`).join(', ');
    lines.push(`path ${JSON.stringify(r.path).padEnd(width)} { capabilities = [${caps}] }`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * What an administrator's token needs to run `vault setup` (README "vault setup"):
 * read the mount tables, enable the KV mount and the AppRole method at their
 * paths (enabling an auth method needs sudo), and write edgectl's policies and
 * roles, nothing else.
 */
export function setupAdminPolicyRules(mount: string, approleMount: string): PolicyRule[] {
  const m = checkedMount(mount);
  const a = checkedMount(approleMount);
  return [
    { path: 'sys/mounts', capabilities: ['read'] },
    { path: `sys/mounts/${m}`, capabilities: ['create', 'update'] },
    { path: 'sys/auth', capabilities: ['read'] },
    { path: `sys/auth/${a}`, capabilities: ['create', 'update', 'sudo'] },
    { path: 'sys/policies/acl/edgectl-*', capabilities: ['create', 'read', 'update'] },
    { path: `auth/${a}/role/edgectl-*`, capabilities: ['create', 'read', 'update'] },
  ];
}

const doc = (name: string, rules: PolicyRule[]): PolicyDocument => ({ name, rules, hcl: renderPolicy(rules) });

/** The cluster-independent policies: operator and bootstrap. */
export function basePolicies(mount: string): PolicyDocument[] {
  return [doc(OPERATOR_POLICY, operatorPolicyRules(mount)), doc(BOOTSTRAP_POLICY, bootstrapPolicyRules(mount))];
}

/** The two per-cluster policies, edgectl-<id>-server and edgectl-<id>-agent. */
export function clusterPolicies(mount: string, clusterId: string): PolicyDocument[] {
  return (['server', 'agent'] as const).map((role) => doc(clusterPolicyName(clusterId, role), clusterPolicyRules(mount, clusterId, role)));
}

/** Does a Vault ACL path pattern match a request path? `*` only at the end (prefix), `+` one whole segment. */
export function policyPathMatches(pattern: string, path: string): boolean {
  const glob = pattern.endsWith('*');
  const fixed = glob ? pattern.slice(0, -1) : pattern;
  const pSegs = fixed.split('/');
  const segs = path.split('/');
  if (!glob && pSegs.length !== segs.length) return false;
  if (glob && segs.length < pSegs.length) return false;
  for (let i = 0; i < pSegs.length; i += 1) {
    const p = pSegs[i] ?? '';
    const s = segs[i] ?? '';
    const last = i === pSegs.length - 1;
    if (p === '+') {
      if (s === '') return false;
      continue;
    }
    if (glob && last) return s.startsWith(p);
    if (p !== s) return false;
  }
  return true;
}

/**
 * The capabilities rules grant on a path, as Vault decides it: the most specific
 * matching rule wins (an exact path over a glob, a longer glob over a shorter one).
 */
export function policyGrants(rules: readonly PolicyRule[], path: string): Capability[] {
  const matching = rules.filter((r) => policyPathMatches(r.path, path));
  if (matching.length === 0) return [];
  const exact = matching.find((r) => !r.path.endsWith('*'));
  if (exact !== undefined) return [...exact.capabilities];
  const longest = matching.reduce((a, b) => (b.path.length > a.path.length ? b : a));
  return [...longest.capabilities];
}
