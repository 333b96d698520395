/**
 * `edgectl rke2 status`: this node (cluster ID, role, RKE2 version, service,
 * readiness, whether its token is the cluster's current one) and the cluster
 * as Vault holds it (servers, agents, versions, created_at, token version and
 * generation). Without Vault it reports the local part and says so. Read-only;
 * never shows a token.
 */
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import { EdgectlError } from '../core/errors.js';
import { HOST_PATHS } from '../core/host-paths.js';
import { renderTable } from '../core/table.js';
import { clusterSkewProblems } from '../core/version-skew.js';
import { CLUSTER_FIELDS } from '../core/vault-layout.js';
import { type Context, writeJson, writeOut } from './context.js';
import { tokenGenerationOf } from '../core/cluster-records.js';
import { compareWithVault, readReadiness, readRke2Status, resolveClusterId, syncCommand, thisNodeName } from './rke2-node.js';
import { clusterApiPath, findCluster, verifyVaultAccess } from './rke2-vault.js';
import { openVaultIfConfigured } from './vault-session.js';

export interface StatusInput {
  clusterId: string | undefined;
  noVault: boolean;
  output: OutputFormat;
  vault: VaultFlags;
}

type Standing = 'current' | 'older' | 'unpublished' | 'foreign' | 'unknown';

interface NodeView {
  name: string;
  role: string;
  hostname: string;
  ip: string;
  rke2_version: string;
  joined_at: string;
  /** token generation the node was given; null when it was never recorded (the bootstrap token) */
  token_generation: number | null;
  /** false: the node needs `token sync` before its next restart */
  token_current: boolean;
}

/** The --output json shape of `rke2 status` (documented in the README; never a token). */
export interface StatusJson {
  node: {
    name: string;
    hostname: string;
    cluster_id: string | null;
    installed: boolean;
    rke2_version: string | null;
    role: 'server' | 'agent' | 'none';
    service: { unit: string; active: string; enabled: string } | null;
    ready: boolean;
    not_ready: string[];
    /**
     * which file holds the token this node starts with, and how it compares with Vault's (null
     * without Vault); running: on a server, how the token it runs with (server/token) compares
     * (it differs after token sync until the next restart); null on agents and without Vault
     */
    token: { file: string | null; standing: Standing | null; running: Standing | null };
  };
  /** ok: the cluster section is filled in; otherwise why it is not */
  vault_status: 'ok' | 'not-configured' | 'disabled' | 'no-cluster-id' | 'not-registered' | 'error';
  vault_error: string | null;
  cluster: null | {
    id: string;
    vault_path: string;
    state: string;
    server: string;
    created_at: string | null;
    created_by: string | null;
    rke2_version: string | null;
    tags: Record<string, string>;
    token: { kv_version: number; versions_kept: number; generation: number; rotated_at: string | null; rotated_by: string | null };
    servers: NodeView[];
    agents: NodeView[];
    /** breaches of the Kubernetes version skew policy among the nodes recorded in Vault (empty: none) */
    version_skew: string[];
  };
}

/** Report this node and its cluster. Exit 3 when RKE2 is not installed, the Vault error's code when Vault failed (after the report). */
export async function runStatus(ctx: Context, input: StatusInput): Promise<void> {
  ctx.host.requireRoot('edgectl rke2 status'); // RKE2's state and token files are root-only
  const host = ctx.host.hostname().toLowerCase();
  const localId = await ctx.host.readLocalClusterId();
  const clusterId = input.clusterId !== undefined || localId !== undefined ? resolveClusterId(input.clusterId, localId) : undefined;
  const status = await readRke2Status(ctx);
  const role = status.role;
  const readiness = role === 'none' ? { ready: false, problems: [status.installed ? 'neither rke2-server nor rke2-agent is enabled' : 'RKE2 is not installed'] } : await readReadiness(ctx, role);
  const tokenFile = role === 'agent' || (role === 'server' && status.tokenFilePresent) ? HOST_PATHS.joinTokenFile : role === 'server' ? HOST_PATHS.serverTokenFile : null;
  const json: StatusJson = {
    node: {
      name: await thisNodeName(ctx, host),
      hostname: host,
      cluster_id: clusterId ?? null,
      installed: status.installed,
      rke2_version: status.version ?? null,
      role,
      service: role === 'none' ? null : { unit: `rke2-${role}`, ...status.services[`rke2-${role}`] },
      ready: readiness.ready,
      not_ready: readiness.problems,
      token: { file: tokenFile, standing: null, running: null },
    },
    vault_status: 'ok',
    vault_error: null,
    cluster: null,
  };

  let vaultFailure: unknown;
  const store = input.noVault ? undefined : await openVaultIfConfigured(ctx, input.vault);
  if (input.noVault) json.vault_status = 'disabled';
  else if (store === undefined) json.vault_status = 'not-configured';
  else if (clusterId === undefined) json.vault_status = 'no-cluster-id';
  if (store !== undefined && clusterId !== undefined) {
    try {
      await verifyVaultAccess(store);
      const record = await findCluster(store, clusterId);
      if (record === undefined) json.vault_status = 'not-registered';
      else {
        const [history, nodes] = await Promise.all([store.registry.readClusterHistory(clusterId), store.registry.listNodes(clusterId)]);
        const generation = tokenGenerationOf(record);
        const view = (n: (typeof nodes)[number]): NodeView => ({
          name: n.name,
          role: n.role,
          hostname: n.hostname,
          ip: n.ip,
          rke2_version: n.rke2_version,
          joined_at: n.joined_at,
          token_generation: n.token_generation ?? null,
          token_current: (n.token_generation ?? 0) === generation,
        });
        const str = (k: string): string | null => (typeof record.extra[k] === 'string' ? (record.extra[k] as string) : null);
        json.cluster = {
          id: record.id,
          vault_path: clusterApiPath(store, record.id),
          state: record.state,
          server: record.server,
          created_at: record.metadata.createdAt ?? null,
          created_by: record.metadata.hostname ?? null,
          rke2_version: record.metadata.rke2Version ?? null,
          tags: record.metadata.tags,
          token: { kv_version: record.version, versions_kept: history?.versions ?? 1, generation, rotated_at: str(CLUSTER_FIELDS.tokenRotatedAt), rotated_by: str(CLUSTER_FIELDS.tokenRotatedBy) },
          servers: nodes.filter((n) => n.role === 'server').map(view),
          agents: nodes.filter((n) => n.role === 'agent').map(view),
          version_skew: clusterSkewProblems(nodes.map((n) => ({ name: n.name, role: n.role, version: n.rke2_version }))),
        };
        for (const p of json.cluster.version_skew) ctx.ui.warn(`version skew: ${p}`);
        const standingOf = async (file: string | null): Promise<Standing> => {
          const local = file === null ? undefined : await ctx.host.readTokenFile(file);
          return local === undefined || record.token.isEmpty() ? 'unknown' : (await compareWithVault(store, record, local)).standing;
        };
        json.node.token.standing = await standingOf(tokenFile);
        if (role === 'server') json.node.token.running = tokenFile === HOST_PATHS.serverTokenFile ? json.node.token.standing : await standingOf(HOST_PATHS.serverTokenFile);
      }
    } catch (err) {
      vaultFailure = err;
      json.vault_status = 'error';
      json.vault_error = err instanceof Error ? err.message : String(err);
    } finally {
      await store.close();
    }
  } else {
    await store?.close();
  }

  if (input.output === 'json') writeJson(ctx, json);
  else writeOut(ctx, renderStatus(json, input.vault));
  if (!status.installed) throw new EdgectlError('precondition', 'RKE2 is not installed on this host');
  // the report is out; the exit code still says Vault failed (4, 5, 6 …), for scripts and monitoring
  if (vaultFailure !== undefined) throw vaultFailure;
}

const yes = (b: boolean): string => (b ? 'yes' : 'no');

function renderStatus(s: StatusJson, vault: VaultFlags): string {
  const n = s.node;
  const standing: Record<string, string> = {
    current: 'current',
    older: 'an earlier token: run edgectl rke2 token sync here before the next restart',
    unpublished: 'rotated here but not in Vault: run edgectl rke2 token rotate here to publish it',
    foreign: "another cluster's token",
    unknown: 'unknown',
  };
  const lines: Array<[string, string]> = [
    ['node', `${n.name}${n.name !== n.hostname ? ` (host ${n.hostname})` : ''}`],
    ['cluster', n.cluster_id ?? '- (no /etc/edgectl/cluster-id)'],
    ['role', n.role],
    ['rke2', n.installed ? (n.rke2_version ?? 'unknown version') : 'not installed'],
  ];
  if (n.service !== null) lines.push(['service', `${n.service.unit} ${n.service.active}, ${n.service.enabled}`]);
  lines.push(['ready', n.ready ? 'yes' : `no (${n.not_ready.join('; ')})`]);
  if (n.token.standing !== null) {
    const restartPending = n.token.running === 'older' && n.token.standing === 'current' ? '; rke2-server still runs with the earlier token until its next restart' : '';
    lines.push(['token', `${standing[n.token.standing] ?? n.token.standing}${n.token.file !== null ? ` (${n.token.file})` : ''}${restartPending}`]);
  }
  const vaultLine: Record<StatusJson['vault_status'], string> = {
    ok: '',
    'not-configured': 'not configured (no VAULT_ADDR / --vault-addr): showing this node only',
    disabled: '--no-vault: showing this node only',
    'no-cluster-id': 'configured, but this node has no cluster ID (pass --cluster-id): showing this node only',
    'not-registered': `cluster ${n.cluster_id ?? ''} is not registered in Vault`,
    error: `unavailable: ${s.vault_error ?? ''}`,
  };
  const c = s.cluster;
  if (c === null) {
    lines.push(['vault', vaultLine[s.vault_status]]);
    return format(lines);
  }
  lines.push(['vault', c.vault_path]);
  lines.push(['state', `${c.state}, registration ${c.server}`]);
  lines.push(['created', `${c.created_at ?? '-'} by ${c.created_by ?? '-'}`]);
  lines.push([
    'cluster token',
    `generation ${c.token.generation}, KV version ${c.token.kv_version} (${c.token.versions_kept} kept)${c.token.rotated_at !== null ? `, rotated ${c.token.rotated_at} on ${c.token.rotated_by ?? '?'}` : ''}`,
  ]);
  const all = [...c.servers, ...c.agents];
  const table = renderTable(
    ['NODE', 'ROLE', 'IP', 'RKE2', 'TOKEN'],
    all.map((x) => [x.name, x.role, x.ip, x.rke2_version, x.token_current ? 'current' : `generation ${x.token_generation ?? 0}: needs token sync`]),
  );
  const behind = all.filter((x) => !x.token_current);
  const nodes = all.length === 0 ? '\n  no nodes are registered' : `\n${table.split('\n').map((l) => `  ${l}`).join('\n')}`;
  const out = `${format(lines)}\n${c.servers.length} server(s), ${c.agents.length} agent(s) (ready: ${yes(n.ready)} here)${nodes}`;
  const skew = c.version_skew.length === 0 ? '' : `\nversion skew (Kubernetes policy broken; upgrade the servers first, never an agent past a server):\n${c.version_skew.map((p) => `  ${p}`).join('\n')}`;
  return behind.length === 0 ? `${out}${skew}` : `${out}\n${behind.length} node(s) need the current token before their next restart: ${syncCommand(c.id, vault)}${skew}`;
}

function format(lines: Array<[string, string]>): string {
  return lines.map(([k, v]) => `${k.padEnd(14)} ${v}`).join('\n');
}
