/**
 * Where edgectl keeps things in Vault (KV v2), and what they hold. Pure: paths,
 * field names, custom_metadata encoding and its KV v2 limits. Every path here
 * is built from a validated cluster ID or node name, so none can escape rke2/.
 *
 *   <mount>/data/rke2/<id>                     cluster secret: token, server, state, token_generation,
 *                                              token_rotated_at/by (one KV version per token change;
 *                                              old versions keep old tokens for etcd snapshot restores)
 *   <mount>/metadata/rke2/<id>                 custom_metadata: created_at, hostname, ip,
 *                                              rke2_version, tag.<key> (non-secret)
 *   <mount>/data/rke2/<id>/nodes/<node-name>   one entry per node: role, hostname, ip, …
 *   <mount>/data/rke2-admin/<id>/kubeconfig    admin kubeconfig: kubeconfig, server, published_at,
 *                                              published_by (separate tree, so agent policies on
 *                                              rke2/* can never read it)
 */
import { parseClusterId } from './cluster-id.js';
import { usageError } from './errors.js';

/** The KV v2 mount used when neither --vault-mount nor EDGECTL_VAULT_MOUNT is set. */
export const DEFAULT_KV_MOUNT = 'kv';
/** The folder (inside the mount) holding one secret per cluster. */
export const CLUSTERS_FOLDER = 'rke2';
/** The separate folder for admin-only material (admin kubeconfig). */
export const ADMIN_FOLDER = 'rke2-admin';

/** Lifecycle of a cluster secret: `bootstrapping` while the first server installs, then `ready`. */
export type ClusterState = 'bootstrapping' | 'ready';
export const CLUSTER_STATES: readonly ClusterState[] = ['bootstrapping', 'ready'];

/** Field names of the cluster secret's data (secret: readable only with read on data/). */
export const CLUSTER_FIELDS = {
  /** the full RKE2 join token (K10<ca-hash>::server:<secret>) */
  token: 'token',
  /** the registration URL, https://<address>:9345 */
  server: 'server',
  /** ClusterState */
  state: 'state',
  /** RFC 3339 time of the last data write, for operators reading versions */
  updatedAt: 'updated_at',
  /** how many times the token was rotated (absent = 0, the token of the bootstrap) */
  tokenGeneration: 'token_generation',
  /** RFC 3339 time of the last rotation: restore etcd snapshots older than this with an earlier version's token */
  tokenRotatedAt: 'token_rotated_at',
  /** the node that ran the last rotation */
  tokenRotatedBy: 'token_rotated_by',
} as const;

/** Field names of the admin kubeconfig secret at rke2-admin/<id>/kubeconfig. */
export const ADMIN_KUBECONFIG_FIELDS = {
  /** the kubeconfig YAML, server address already rewritten for remote use */
  kubeconfig: 'kubeconfig',
  /** its API server URL, e.g. https://10.0.0.10:6443 */
  server: 'server',
  publishedAt: 'published_at',
  /** the node that published it */
  publishedBy: 'published_by',
} as const;

/** Edgectl's own custom_metadata keys on the cluster secret (non-secret). */
export const METADATA_KEYS = {
  createdAt: 'created_at',
  hostname: 'hostname',
  ip: 'ip',
  rke2Version: 'rke2_version',
} as const;

/** User tags are stored as custom_metadata keys with this prefix, so they never collide with edgectl's keys. */
export const TAG_PREFIX = 'tag.';

/** KV v2 custom_metadata limits, as the server enforces them. */
export const CUSTOM_METADATA_LIMITS = { maxKeys: 64, maxKeyBytes: 128, maxValueBytes: 512 } as const;

/** Node roles recorded in node entries. */
export type NodeRole = 'server' | 'agent';

/** The data of a node entry at rke2/<id>/nodes/<node-name>. */
export interface NodeEntry {
  role: NodeRole;
  hostname: string;
  ip: string;
  rke2_version: string;
  /** RFC 3339 */
  joined_at: string;
  /** the cluster token generation this node's token file holds (absent: the bootstrap token, 0) */
  token_generation?: number;
  /** the secret ID accessor of the join code the node joined with (absent: joined with a Vault credential) */
  join_code_accessor?: string;
}

const MOUNT_SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
// a node name is what RKE2 registers as the Kubernetes node: a lowercase DNS-1123 subdomain
const NODE_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Why a KV mount path is unusable, or undefined. Accepts "kv", "secret", "team/kv"; not "../x" or "kv/data". */
export function mountProblem(mount: string): string | undefined {
  if (mount.length === 0 || mount.length > 200) return 'must be 1 to 200 characters';
  const segments = mount.split('/');
  for (const s of segments) {
    if (!MOUNT_SEGMENT.test(s)) return 'segments may contain only letters, digits, "_", "." and "-" and must not start with "." or "-"';
  }
  return undefined;
}

/** Normalize a mount ("kv/" → "kv") and validate it (usage error when malformed). */
export function parseMount(mount: string, source = '--vault-mount'): string {
  const trimmed = mount.replace(/^\/+|\/+$/g, '');
  const problem = mountProblem(trimmed);
  if (problem !== undefined) throw usageError(`invalid KV mount ${JSON.stringify(mount.slice(0, 80))} (${source}): ${problem}`);
  return trimmed;
}

/** Why a node name is unusable as a Vault key, or undefined. */
export function nodeNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > 253) return 'must be 1 to 253 characters';
  if (!NODE_NAME.test(name)) return 'must be a lowercase DNS name (letters, digits, "-" and "."), like node-01.example';
  return undefined;
}

/** Validate a node name (usage error when malformed). */
export function parseNodeName(name: string): string {
  const problem = nodeNameProblem(name);
  if (problem !== undefined) throw usageError(`invalid node name ${JSON.stringify(name.slice(0, 80))}: ${problem}`);
  return name;
}

/** Path (inside the mount) of a cluster's secret: rke2/<id>. */
export function clusterSecretPath(clusterId: string): string {
  return `${CLUSTERS_FOLDER}/${parseClusterId(clusterId)}`;
}

/** Folder (inside the mount) holding a cluster's node entries: rke2/<id>/nodes. */
export function nodesFolder(clusterId: string): string {
  return `${CLUSTERS_FOLDER}/${parseClusterId(clusterId)}/nodes`;
}

/** Path (inside the mount) of one node entry: rke2/<id>/nodes/<node-name>. */
export function nodeSecretPath(clusterId: string, nodeName: string): string {
  return `${nodesFolder(clusterId)}/${parseNodeName(nodeName)}`;
}

/** Path (inside the mount) reserved for a cluster's admin kubeconfig: rke2-admin/<id>/kubeconfig. */
export function adminKubeconfigPath(clusterId: string): string {
  return `${ADMIN_FOLDER}/${parseClusterId(clusterId)}/kubeconfig`;
}

/** The KV v2 API path of a secret's data: <mount>/data/<path>. */
export function kvDataPath(mount: string, path: string): string {
  return `${mount}/data/${path}`;
}

/** The KV v2 API path of a secret's metadata: <mount>/metadata/<path>. */
export function kvMetadataPath(mount: string, path: string): string {
  return `${mount}/metadata/${path}`;
}

/** The non-secret facts stored as custom_metadata of a cluster secret. */
export interface ClusterMetadata {
  createdAt: string | undefined;
  hostname: string | undefined;
  ip: string | undefined;
  rke2Version: string | undefined;
  tags: Record<string, string>;
}

const utf8Length = (s: string): number => Buffer.byteLength(s, 'utf8');
// Go's unicode.IsPrint, which the KV v2 backend applies: letters, marks, numbers,
// punctuation, symbols and the ASCII space; no control or other space characters.
// Built on first use: a Unicode-property regex literal loads ICU data when the
// module loads, ~1.7 ms of every edgectl start (the CLI imports this module).
let printable: RegExp | undefined;
const isPrintable = (s: string): boolean => (printable ??= new RegExp('^[\\p{L}\\p{M}\\p{N}\\p{P}\\p{S} ]*$', 'u')).test(s);

/** Every way a custom_metadata map breaks the KV v2 limits (empty when it is fine). */
export function customMetadataProblems(meta: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const keys = Object.keys(meta);
  const { maxKeys, maxKeyBytes, maxValueBytes } = CUSTOM_METADATA_LIMITS;
  if (keys.length > maxKeys) {
    problems.push(`${keys.length} custom_metadata keys, KV v2 allows at most ${maxKeys} (edgectl uses up to 4 itself, so at most ${maxKeys - 4} tags)`);
  }
  for (const key of keys) {
    const shown = displayKey(key);
    const value = meta[key] ?? '';
    const kb = utf8Length(key);
    if (kb < 1 || kb > maxKeyBytes) problems.push(`${shown}: key is ${kb} bytes, must be 1 to ${maxKeyBytes}`);
    else if (!isPrintable(key)) problems.push(`${shown}: key contains unprintable characters`);
    const vb = utf8Length(value);
    if (vb < 1 || vb > maxValueBytes) problems.push(`${shown}: value is ${vb} bytes, must be 1 to ${maxValueBytes}`);
    else if (!isPrintable(value)) problems.push(`${shown}: value contains unprintable characters (tabs, newlines, control characters)`);
  }
  return problems;
}

function displayKey(key: string): string {
  const quote = (k: string): string => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k);
  return key.startsWith(TAG_PREFIX) ? `tag ${quote(key.slice(TAG_PREFIX.length))}` : `metadata key ${quote(key)}`;
}

/** Throw one usage error (exit 2) listing every limit a custom_metadata map breaks. */
export function assertCustomMetadata(meta: Readonly<Record<string, string>>): void {
  const problems = customMetadataProblems(meta);
  if (problems.length > 0) {
    throw usageError(
      `cluster metadata exceeds the KV v2 custom_metadata limits: ${problems.join('; ')}`,
      `at most ${CUSTOM_METADATA_LIMITS.maxKeys} keys in all; each tag value 1 to ${CUSTOM_METADATA_LIMITS.maxValueBytes} printable bytes`,
    );
  }
}

/** Encode cluster metadata as custom_metadata (undefined facts are omitted; tags get the tag. prefix) and check the limits. */
export function encodeClusterMetadata(meta: Partial<ClusterMetadata>): Record<string, string> {
  const out: Record<string, string> = {};
  if (meta.createdAt !== undefined) out[METADATA_KEYS.createdAt] = meta.createdAt;
  if (meta.hostname !== undefined) out[METADATA_KEYS.hostname] = meta.hostname;
  if (meta.ip !== undefined) out[METADATA_KEYS.ip] = meta.ip;
  if (meta.rke2Version !== undefined) out[METADATA_KEYS.rke2Version] = meta.rke2Version;
  for (const [key, value] of Object.entries(meta.tags ?? {})) out[`${TAG_PREFIX}${key}`] = value;
  assertCustomMetadata(out);
  return out;
}

/** Decode custom_metadata of a cluster secret (null or missing keys become undefined; unknown keys are ignored). */
export function decodeClusterMetadata(custom: Readonly<Record<string, string>> | null | undefined): ClusterMetadata {
  const c = custom ?? {};
  const tags: Record<string, string> = {};
  for (const [key, value] of Object.entries(c)) {
    if (key.startsWith(TAG_PREFIX) && key.length > TAG_PREFIX.length) tags[key.slice(TAG_PREFIX.length)] = value;
  }
  return {
    createdAt: c[METADATA_KEYS.createdAt],
    hostname: c[METADATA_KEYS.hostname],
    ip: c[METADATA_KEYS.ip],
    rke2Version: c[METADATA_KEYS.rke2Version],
    tags: sortedRecord(tags),
  };
}

/**
 * The JSON merge patch turning custom_metadata `current` into `next`: changed
 * and new keys with their value, removed keys as null. Checks the merged result
 * against the limits (the server checks only the patch itself).
 */
export function customMetadataPatch(
  current: Readonly<Record<string, string>>,
  next: Readonly<Record<string, string>>,
): Record<string, string | null> {
  assertCustomMetadata(next);
  const patch: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(next)) if (current[key] !== value) patch[key] = value;
  for (const key of Object.keys(current)) if (!(key in next)) patch[key] = null;
  return patch;
}

/** True when tags contain every key=value of the filter. */
export function tagsMatch(tags: Readonly<Record<string, string>>, filter: ReadonlyArray<readonly [string, string]>): boolean {
  return filter.every(([key, value]) => tags[key] === value);
}

/** Collect key=value pairs into a record; a repeated key is a usage error. */
export function tagsFromPairs(pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (key in out) throw usageError(`tag ${JSON.stringify(key)} given twice`);
    out[key] = value;
  }
  return out;
}

/** Parse a cluster secret's state field (unknown values are reported as they are, never guessed). */
export function isClusterState(value: unknown): value is ClusterState {
  return typeof value === 'string' && (CLUSTER_STATES as readonly string[]).includes(value);
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** A capability requirement: the token needs `capabilities` on `path` for `purpose`. */
export interface CapabilityNeed {
  path: string;
  capabilities: readonly string[];
  purpose: string;
  /** the path of the README policy stanza that grants it (for the fix text: never wider than the README's policy) */
  policyPath: string;
  /** true: only some commands need it (day-2, a faster list); its absence is reported, not failed */
  optional?: boolean;
}

/** Who a token is for: what `vault check --role` verifies (README "Vault policies" has one policy per role). */
export type VaultRole = 'all' | 'server' | 'agent' | 'operator';
export const VAULT_ROLES: readonly VaultRole[] = ['all', 'server', 'agent', 'operator'];
/** The roles `--role all` checks one by one. */
export const CONCRETE_VAULT_ROLES: readonly Exclude<VaultRole, 'all'>[] = ['server', 'agent', 'operator'];

/**
 * What one role needs on one cluster's paths, exactly as the README policies
 * grant it (edgectl-server + edgectl-server-day2, edgectl-agent,
 * edgectl-operator), each need naming the README stanza that grants it. A probe
 * node name stands for any node.
 */
export function clusterCapabilityNeeds(mount: string, clusterId: string, role: Exclude<VaultRole, 'all'>, probeNode = 'probe-node'): CapabilityNeed[] {
  const id = parseClusterId(clusterId);
  const data = kvDataPath(mount, clusterSecretPath(id));
  const meta = kvMetadataPath(mount, clusterSecretPath(id));
  const node = kvDataPath(mount, nodeSecretPath(id, probeNode));
  const nodeMeta = kvMetadataPath(mount, nodeSecretPath(id, probeNode));
  const nodesMeta = `${kvMetadataPath(mount, nodesFolder(id))}/`;
  const admin = kvDataPath(mount, adminKubeconfigPath(id));
  const adminMeta = kvMetadataPath(mount, adminKubeconfigPath(id));
  const dataAll = `${mount}/data/${CLUSTERS_FOLDER}/*`;
  const metaAll = `${mount}/metadata/${CLUSTERS_FOLDER}/*`;
  const need = (path: string, capabilities: string[], purpose: string, policyPath: string, optional = false): CapabilityNeed =>
    optional ? { path, capabilities, purpose, policyPath, optional } : { path, capabilities, purpose, policyPath };
  switch (role) {
    case 'server': {
      const day2 = 'day-2: token rotate, status, upgrade, uninstall (edgectl-server-day2)';
      return [
        need(data, ['create', 'read', 'update'], 'register and update the cluster secret', dataAll),
        need(meta, ['patch'], 'cluster metadata (created_at, hostname, ip, tags)', metaAll),
        need(node, ['create', 'read', 'update'], 'node entries', dataAll),
        need(admin, ['create', 'read', 'update'], 'rke2 kubeconfig --publish', `${mount}/data/${ADMIN_FOLDER}/*`),
        need(meta, ['read', 'delete'], day2, meta, true),
        need(nodesMeta, ['list'], day2, `${nodesMeta}*`, true),
        need(nodeMeta, ['delete'], day2, `${nodesMeta}*`, true),
        need(adminMeta, ['delete'], day2, `${kvMetadataPath(mount, `${ADMIN_FOLDER}/${id}`)}/*`, true),
      ];
    }
    case 'agent': {
      const day2 = 'day-2: token sync, status, upgrade, uninstall --deregister';
      return [
        need(data, ['read'], 'read the join token and server URL', data),
        need(node, ['create', 'read', 'update'], 'its node entry', `${kvDataPath(mount, nodesFolder(id))}/*`),
        need(meta, ['read'], day2, meta, true),
        need(nodesMeta, ['list'], day2, `${nodesMeta}*`, true),
        need(nodeMeta, ['delete'], day2, `${nodesMeta}*`, true),
      ];
    }
    case 'operator':
      return [
        need(`${kvMetadataPath(mount, `${CLUSTERS_FOLDER}/`)}`, ['list'], 'cluster list', metaAll),
        need(meta, ['read', 'delete'], 'cluster show and delete', metaAll),
        need(nodesMeta, ['list'], 'cluster show and delete (node entries)', metaAll),
        need(nodeMeta, ['delete'], 'cluster delete (node entries)', metaAll),
        need(data, ['read'], 'cluster show (server URL, state; the token with --show-token)', dataAll),
        need(adminMeta, ['delete'], 'cluster delete of the admin kubeconfig', `${mount}/metadata/${ADMIN_FOLDER}/*`, true),
        need(`${mount}/detailed-metadata/${CLUSTERS_FOLDER}/`, ['list'], 'a faster cluster list on OpenBao', `${mount}/detailed-metadata/${CLUSTERS_FOLDER}/*`, true),
        need(admin, ['read'], 'rke2 kubeconfig --from-vault', `${mount}/data/${ADMIN_FOLDER}/*`, true),
      ];
  }
}

/** The capabilities of `needed` that `granted` (as sys/capabilities-self reports it) lacks; "root" grants all, "deny" none. */
export function missingCapabilities(granted: readonly string[], needed: readonly string[]): string[] {
  if (granted.includes('root')) return [];
  if (granted.includes('deny')) return [...needed];
  return needed.filter((c) => !granted.includes(c));
}

/** HCL policy stanzas granting the missing capabilities, merged per policy path. */
export function policyFix(missing: ReadonlyArray<{ policyPath: string; capabilities: readonly string[] }>): string {
  const byPath = new Map<string, Set<string>>();
  for (const m of missing) {
    const set = byPath.get(m.policyPath) ?? new Set<string>();
    for (const c of m.capabilities) set.add(c);
    byPath.set(m.policyPath, set);
  }
  const order = ['create', 'read', 'update', 'patch', 'delete', 'list'];
  return [...byPath]
    .map(([path, caps]) => `path "${path}" { capabilities = [${order.filter((c) => caps.has(c)).map((c) => `"${c}"`).join(', ')}] }`)
    .join('\n');
}
