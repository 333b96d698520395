/**
 * What the day-2 commands share: this node's facts as rke2.sh reports them
 * (status, readiness), its node name and cluster ID, the cluster as Vault
 * holds it, and how this node's token compares with the one in Vault.
 */
import type { VaultFlags } from '../core/command-options.js';
import { EdgectlError, usageError } from '../core/errors.js';
import { HOST_PATHS } from '../core/host-paths.js';
import { type TokenStanding, classifyLocalToken } from '../core/rke2-token.js';
import type { NodeEntry } from '../core/vault-layout.js';
import type { Context } from './context.js';
import type { ClusterRecord } from '../core/cluster-records.js';
import { nodeNameFor } from './rke2-node-entry.js';
import { describeVault, findCluster } from './rke2-vault.js';
import type { VaultSession } from './vault-session.js';

export type Rke2Role = 'server' | 'agent' | 'none';

/** What `rke2.sh status --json` reports (schema in scripts/README.md). */
export interface Rke2Status {
  installed: boolean;
  version: string | undefined;
  binary: string | undefined;
  role: Rke2Role;
  services: Record<'rke2-server' | 'rke2-agent', { active: string; enabled: string }>;
  configFiles: string[];
  dropInPresent: boolean;
  tokenFilePresent: boolean;
  serverTokenPresent: boolean;
}

/** This host's RKE2 as rke2.sh sees it (installed or not: the script's exit 3 is an answer here). */
export async function readRke2Status(ctx: Context): Promise<Rke2Status> {
  const r = await ctx.host.runScript(ctx, { script: 'rke2.sh', args: ['status', '--json'], title: 'rke2.sh status', allowExit: [3], quiet: true });
  let d: Record<string, unknown>;
  try {
    d = JSON.parse(r.stdout) as Record<string, unknown>;
  } catch {
    throw new EdgectlError('internal', 'rke2.sh status --json printed something that is not JSON');
  }
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  const present = (v: unknown): boolean => typeof v === 'object' && v !== null && (v as { present?: unknown }).present === true;
  const services = (typeof d.services === 'object' && d.services !== null ? d.services : {}) as Record<string, { active?: unknown; enabled?: unknown } | undefined>;
  const unit = (name: string): { active: string; enabled: string } => ({
    active: str(services[name]?.active) ?? 'unknown',
    enabled: str(services[name]?.enabled) ?? 'unknown',
  });
  return {
    installed: d.installed === true,
    version: str(d.version),
    binary: str(d.binary),
    role: d.role === 'server' || d.role === 'agent' ? d.role : 'none',
    services: { 'rke2-server': unit('rke2-server'), 'rke2-agent': unit('rke2-agent') },
    configFiles: Array.isArray(d.configFiles) ? d.configFiles.filter((f): f is string => typeof f === 'string') : [],
    dropInPresent: present(d.dropIn),
    tokenFilePresent: present(d.tokenFile),
    serverTokenPresent: present(d.serverToken),
  };
}

/** Whether the service of a role is ready now, and if not, the conditions that fail (rke2.sh wait-ready --timeout 0). */
export async function readReadiness(ctx: Context, role: 'server' | 'agent'): Promise<{ ready: boolean; problems: string[] }> {
  const r = await ctx.host.runScript(ctx, {
    script: 'rke2.sh',
    args: ['wait-ready', role, '--timeout', '0'],
    title: 'rke2.sh wait-ready',
    allowExit: [3, 6],
    quiet: true,
  });
  if (r.exitCode === 0) return { ready: true, problems: [] };
  // "timed out after 0s waiting for rke2-server: service rke2-server not active; token file … not written"
  const why = r.failure ?? 'not ready';
  const colon = why.indexOf(': ');
  return { ready: false, problems: (colon >= 0 ? why.slice(colon + 2) : why).split('; ').filter((p) => p !== '') };
}

/** The cluster ID a day-2 command acts on: --cluster-id, else /etc/edgectl/cluster-id; they must agree. */
export function resolveClusterId(flag: string | undefined, local: string | undefined): string {
  if (flag !== undefined && local !== undefined && flag !== local) {
    throw new EdgectlError('precondition', `this host belongs to cluster ${local} (${HOST_PATHS.clusterIdFile}), not ${flag}`, {
      hint: `leave out --cluster-id, or run the command on a node of ${flag}`,
    });
  }
  const id = flag ?? local;
  if (id === undefined) throw usageError(`no cluster ID: this host has no ${HOST_PATHS.clusterIdFile}; pass --cluster-id ID`);
  return id;
}

/**
 * The name this node is recorded under in Vault: RKE2's configured node-name,
 * else the name recorded at join time (/etc/edgectl/node-name, still there
 * after an uninstall), else the host name (lowercased).
 */
export async function thisNodeName(ctx: Context, host: string): Promise<string> {
  return nodeNameFor((await ctx.host.readConfiguredNodeName()) ?? (await ctx.host.readRecordedNodeName()), host);
}

/** A registered, ready cluster with a token (vaultState errors, exit 6, otherwise). */
export async function requireReadyCluster(store: VaultSession, clusterId: string): Promise<ClusterRecord> {
  const record = await findCluster(store, clusterId);
  if (record === undefined) {
    throw new EdgectlError('vaultState', `cluster ${clusterId} is not registered in ${describeVault(store)}`, {
      hint: 'check the cluster ID and the Vault namespace/mount (edgectl cluster list)',
    });
  }
  if (record.state !== 'ready' || record.token.isEmpty()) {
    throw new EdgectlError('vaultState', `cluster ${clusterId} is still bootstrapping on ${record.metadata.hostname ?? 'its first server'}`, {
      hint: 'wait until its first server is ready, then re-run',
    });
  }
  return record;
}

/** How a local token compares with the cluster's in Vault; `version` is the KV version that holds it when older. */
export async function compareWithVault(store: VaultSession, record: ClusterRecord, local: string): Promise<{ standing: TokenStanding; version: number | undefined }> {
  if (record.token.equals(local.trim())) return { standing: 'current', version: record.version };
  const history = (await store.registry.readTokenVersions(record.id)).filter((v) => v.version !== record.version && !v.token.equals(record.token));
  const standing = classifyLocalToken(local, record.token, history.map((v) => v.token));
  return { standing, version: standing === 'older' ? history.find((v) => v.token.equals(local.trim()))?.version : undefined };
}

/**
 * Refuse to overwrite this server's token with Vault's when it is newer than
 * Vault's (a rotation here never reached Vault) or belongs to another cluster:
 * either would make the server's next start fail. Older tokens are fine to replace.
 */
export function refuseUnusableServerToken(standing: TokenStanding, clusterId: string, vault: VaultFlags): void {
  if (standing === 'unpublished') {
    throw new EdgectlError('precondition', `this server holds a rotated token of cluster ${clusterId} (${HOST_PATHS.serverTokenFile}) that is not in Vault yet: a rotation here did not finish`, {
      hint: `run ${rotateCommand(clusterId, vault)} here: it publishes this server's token instead of rotating again`,
    });
  }
  if (standing === 'foreign') {
    throw new EdgectlError('trust', `this server's token (${HOST_PATHS.serverTokenFile}) carries another cluster CA hash than cluster ${clusterId} in Vault`, {
      hint: `check the cluster ID (${HOST_PATHS.clusterIdFile}, --cluster-id) and the Vault namespace/mount`,
    });
  }
}

/** " --vault-namespace NS --vault-mount M" for commands edgectl tells the operator to run. */
export function vaultFlagsText(vault: VaultFlags): string {
  return [vault.vaultNamespace !== undefined ? ` --vault-namespace ${vault.vaultNamespace}` : '', vault.vaultMount !== undefined ? ` --vault-mount ${vault.vaultMount}` : ''].join('');
}

/** The command that puts the cluster's current token in place on another node. */
export function syncCommand(clusterId: string, vault: VaultFlags): string {
  return `sudo -E edgectl rke2 token sync --cluster-id ${clusterId}${vaultFlagsText(vault)}`;
}

function rotateCommand(clusterId: string, vault: VaultFlags): string {
  return `sudo -E edgectl rke2 token rotate --cluster-id ${clusterId}${vaultFlagsText(vault)}`;
}

/** Merge changes into this node's entry in Vault, or write a whole entry when it has none yet. */
export async function updateNodeEntry(store: VaultSession, clusterId: string, nodeName: string, changes: Partial<NodeEntry>, whole: () => Promise<NodeEntry>): Promise<void> {
  const patched = await store.registry.patchNode(clusterId, nodeName, changes);
  if (patched === undefined) await store.registry.recordNode(clusterId, nodeName, { ...(await whole()), ...changes });
}
