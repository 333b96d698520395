/**
 * The ports: what app/ needs from the world, as types only. Adapters implement
 * them (adapters/host, adapters/vault, adapters/terminal) and src/main.ts
 * wires the real ones into the Context; tests pass their own.
 */
import type {
  AdminKubeconfig,
  ClusterChanges,
  ClusterHistory,
  ClusterRecord,
  ClusterSummary,
  ListClustersOptions,
  NewCluster,
  NodeRecord,
  TokenVersion,
} from './cluster-records.js';
import type { ClusterMetadata, NodeEntry } from './vault-layout.js';
import type { ScriptEvent } from './script-events.js';
import type { Secret } from './secret.js';
import type { VaultConfig } from './vault-config.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Clock {
  /** wall-clock time, for timestamps written to Vault */
  now(): Date;
  /** monotonic milliseconds, for durations */
  monotonicMs(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Human-facing output on stderr (progress, warnings); data goes to stdout. */
export interface Ui {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** debug lines, shown only with --debug or EDGECTL_DEBUG=1 */
  debug(message: string): void;
  /** a long step with elapsed time: a spinner on a TTY, plain lines otherwise */
  step(title: string): StepHandle;
}

export interface StepHandle {
  update(message: string): void;
  done(message?: string): void;
  fail(message?: string): void;
}

/** What an adapter may use of a command's context: environment, output, time, cancellation. */
export interface RunContext {
  readonly env: Env;
  readonly ui: Ui;
  readonly clock: Clock;
  /** aborted on SIGINT/SIGTERM; long steps stop */
  readonly signal: AbortSignal;
}

/** How a host is reached. */
export type HostAccess = { kind: 'local' } | SshAccess;

/** An SSH endpoint (the cluster file's ssh block of a host, or its bastion). */
export interface SshEndpoint {
  address: string;
  port: number;
  user: string;
  /** private key file; without it the operator's SSH agent */
  keyPath?: string;
}

/** How a remote host is reached. */
export interface SshAccess extends SshEndpoint {
  kind: 'ssh';
  /** run commands through `sudo -n` */
  sudo?: boolean;
  bastion?: SshEndpoint;
}

export interface RunOptions {
  /** fed to the command's stdin and nothing else (pair with `--token-file -`) */
  stdinSecret?: Secret;
  /** the whole environment of the command (transports add nothing secret) */
  env?: Readonly<Record<string, string>>;
  /** called for each line the command writes to stderr */
  onStderrLine?: (line: string) => void;
  /** aborting it stops the command (SIGTERM to its process group) */
  signal?: AbortSignal;
}

export interface RunResult {
  /** the exit code, or 128+N when a signal N ended it */
  exitCode: number;
  stdout: string;
  /** the last lines of stderr (for error messages; never holds a secret the command did not print) */
  stderrTail: string[];
}

/**
 * How edgectl touches a host: an argv (never a shell string), files with an
 * explicit mode, secrets only on stdin or in files created with their mode.
 */
export interface Transport {
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** write atomically with mode (a Secret is written as is, the file created with mode from the first byte) */
  putFile(path: string, content: string | Uint8Array | Secret, mode: number): Promise<void>;
  /** a UTF-8 file, or undefined when absent */
  readFile(path: string): Promise<string | undefined>;
  /** a token file (trimmed), or undefined when absent or empty */
  readSecretFile(path: string): Promise<Secret | undefined>;
  /** remove a file; false when it was absent */
  remove(path: string): Promise<boolean>;
  /** copy a (large) file of this machine to the host, streamed; its sha256 is checked on the host before it is renamed into place */
  copyFrom(localPath: string, path: string, mode: number, sha256: string): Promise<void>;
  close(): Promise<void>;
}

/** What is per host: caches keyed by the host's change counter, gathered facts. */
export class HostState {
  #changes = 0;
  #version: { changes: number; version: string | undefined } | undefined;

  /** a step may have changed the host: caches of its facts are stale now */
  markChanged(): void {
    this.#changes += 1;
  }

  get changes(): number {
    return this.#changes;
  }

  /** the cached RKE2 version when the host has not changed since it was read */
  cachedVersion(): { version: string | undefined } | undefined {
    return this.#version !== undefined && this.#version.changes === this.#changes ? { version: this.#version.version } : undefined;
  }

  cacheVersion(version: string | undefined): void {
    this.#version = { changes: this.#changes, version };
  }
}

/** A host as a value: its name, how to reach it, its transport and its own state. */
export interface Host {
  /** the name errors and output use */
  readonly name: string;
  readonly access: HostAccess;
  readonly transport: Transport;
  readonly state: HostState;
}

// What an embedded script run, a CA check and the host's file checks take and give.

export interface ScriptInvocation {
  /** embedded script name, e.g. rke2.sh */
  script: string;
  /** arguments; never a secret */
  args: readonly string[];
  /** a secret fed to the script's stdin (pair with `--token-file -`) */
  stdinSecret?: Secret;
  /** extra non-secret environment for the script */
  env?: Readonly<Record<string, string>>;
  /** human title of the whole run, used in errors */
  title: string;
  /** non-zero exit codes that are answers, not failures (e.g. 3 from `status` without RKE2) */
  allowExit?: readonly number[];
  /** a read-only probe: collect its events but show no progress for them */
  quiet?: boolean;
}

export interface ScriptResult {
  events: ScriptEvent[];
  /** durations of the script's steps in milliseconds, by step id */
  stepDurations: Record<string, number>;
  /** what the script printed on stdout (data, e.g. status --json) */
  stdout: string;
  /** 0, or one of allowExit */
  exitCode: number;
  /** the message of the last fail event (why an allowed non-zero exit happened) */
  failure: string | undefined;
}

export interface CaCheckResult {
  caHash: string;
}

export interface ConfigFileFacts {
  path: string;
  text: string;
  sha256: string;
  bytes: number;
}

export interface SecretFileRules {
  /** what the file is, for messages, e.g. "token file" or "VAULT_CACERT" */
  what: string;
  /** permission bits the file may have (e.g. [0o600, 0o400]); any when absent */
  modes?: readonly number[];
  /** the owner the file must have; any when absent */
  uid?: number;
  /** undefined instead of an error when the file does not exist */
  missingOk?: boolean;
  /** at most this many bytes (default 1 MiB) */
  maxBytes?: number;
}

export interface SecretFileContent {
  text: string;
  /** permission bits, for callers that warn rather than refuse */
  mode: number;
}

/**
 * The host this command runs on, as app/ sees it: its identity and state
 * (Host), and every way a use case touches it. adapters/host/this-host.ts is
 * the real one; main.ts wires it into the Context.
 */
export interface ThisHost extends Host {
  /** the machine's host name (short form) */
  hostname(): string;
  /** the first non-internal IPv4 address (else IPv6), or undefined */
  primaryAddress(): string | undefined;
  /** fail with a precondition error unless edgectl runs as root */
  requireRoot(what: string): void;
  /** run an embedded script (exact bytes, secrets on stdin, progress events); marks the host changed unless it is a status probe */
  runScript(ctx: RunContext, inv: ScriptInvocation): Promise<ScriptResult>;
  /** the cluster ID in /etc/edgectl/cluster-id, if any (a corrupt file is an error) */
  readLocalClusterId(): Promise<string | undefined>;
  /** a token file written by RKE2 or rke2.sh, trimmed; undefined when absent or empty */
  readTokenFile(path: string): Promise<string | undefined>;
  /** RKE2's configured node-name (drop-in, then config.yaml), if any */
  readConfiguredNodeName(): Promise<string | undefined>;
  /** the node name recorded at join time (/etc/edgectl/node-name), if any */
  readRecordedNodeName(): Promise<string | undefined>;
  writeFileAtomic(path: string, data: string | Uint8Array, mode: number): Promise<void>;
  /** write a secret to a new file with mode, atomically; a precondition error (exit 3) when path exists (never overwrites) */
  createSecretFile(path: string, secret: Secret, mode: number): Promise<void>;
  readFileIfExists(path: string): Promise<string | undefined>;
  removeFile(path: string): Promise<boolean>;
  ensureDirectory(dir: string): Promise<void>;
  /** a file that holds a secret or trust, by the rules (FIFOs, devices, wrong modes refused unread) */
  readSecretFile(path: string, rules: SecretFileRules & { missingOk: true }): Promise<SecretFileContent | undefined>;
  readSecretFile(path: string, rules: SecretFileRules): Promise<SecretFileContent>;
  /** a --config-file's facts (regular, root-owned, size), read once */
  readConfigFile(path: string): Promise<ConfigFileFacts>;
  /** fetch <server>/cacerts and compare its sha256 with the token's; a trust error on mismatch */
  verifyServerCa(serverUrl: string, expectedHash: string, timeoutMs?: number): Promise<CaCheckResult>;
  /** the bytes of a regular file, undefined when absent; anything else (a FIFO, a directory) is refused unread */
  readRegularFile(path: string): Promise<Uint8Array | undefined>;
  /** kubeconfig files on this machine and the secret text they hold */
  readonly kubeconfigs: KubeconfigFiles;
  /** the edgectl executable to copy to other hosts (this one when it is the single executable, else `override`) with its sha256 */
  edgectlExecutable(override?: string): Promise<{ path: string; sha256: string }>;
}

/** What a path and its directory are, followed through symlinks. */
export type PathKind = 'absent' | 'directory' | 'other';

/**
 * Kubeconfig text (it holds the cluster admin's key) stays a Secret in app/:
 * the checks and rewrites of core/kubeconfig.ts run here on the revealed text,
 * and files are written atomically with mode 0600 (adapters/host/kubeconfig-files.ts).
 */
export interface KubeconfigFiles {
  /** a kubeconfig file (e.g. RKE2's rke2.yaml), undefined when absent */
  read(path: string): Promise<Secret | undefined>;
  /** what is wrong with it as a kubeconfig, or undefined (core kubeconfigProblem) */
  problem(kubeconfig: Secret): Promise<string | undefined>;
  /** pointed at server, RKE2's "default" entries renamed to name (core rewriteKubeconfig) */
  rewrite(kubeconfig: Secret, opts: { server: string; name: string; /** entries named so are renamed too */ from?: string }): Promise<{ kubeconfig: Secret; server: string }>;
  /** the server URLs of its cluster entries (core kubeconfigServers) */
  servers(kubeconfig: Secret): Promise<string[]>;
  /** what path and its directory are */
  probe(path: string): Promise<{ dir: PathKind; target: PathKind }>;
  /** whether kubeconfig merges into the file at path (false: what is there is not a kubeconfig) */
  mergesInto(path: string, kubeconfig: Secret, opts: { useContext: boolean }): Promise<boolean>;
  /** create dir and its missing parents with mode */
  createDirectory(dir: string, mode: number): Promise<void>;
  /** write path atomically with mode 0600: kubeconfig, or (merge) kubeconfig merged into what the file holds now */
  write(path: string, kubeconfig: Secret, opts: { merge: boolean; useContext: boolean }): Promise<void>;
}

// ---- Vault: what app/ uses of the client and of a KV v2 mount (adapters/vault implements both)

/** The answer of sys/health (asked so that every state answers 200 with this JSON). */
export interface VaultHealth {
  initialized: boolean;
  sealed: boolean;
  standby: boolean;
  version: string;
  clusterName: string | undefined;
}

/** What auth/token/lookup-self says about the run's token (no secret in it). */
export interface TokenInfo {
  displayName: string;
  policies: string[];
  /** seconds left; 0 for tokens that never expire */
  ttl: number;
  namespacePath: string;
}

/** A version's bookkeeping as KV v2 reports it. */
export interface KvVersionInfo {
  version: number;
  createdTime: string;
  /** RFC 3339, or '' when not deleted; a future time (delete_version_after) is a deletion still to come */
  deletionTime: string;
  destroyed: boolean;
}

export type KvReadResult<T> =
  | { kind: 'found'; data: T; info: KvVersionInfo; customMetadata: Record<string, string> }
  /** no such secret (or no such version) */
  | { kind: 'absent' }
  /** the version exists but was soft-deleted (undeletable) or destroyed (gone for good) */
  | { kind: 'deleted'; info: KvVersionInfo };

export interface KvMetadata {
  currentVersion: number;
  oldestVersion: number;
  createdTime: string;
  updatedTime: string;
  customMetadata: Record<string, string>;
  /** every version still kept, by number */
  versions: Record<string, KvVersionInfo>;
  maxVersions: number;
  casRequired: boolean;
  /** seconds after which KV v2 deletes each new version of this secret (0: never) */
  deleteVersionAfter: number;
}

/** A KV v2 mount's own settings (<mount>/config). */
export interface KvMountConfig {
  maxVersions: number;
  casRequired: boolean;
  /** seconds after which KV v2 deletes each new version (0: never) */
  deleteVersionAfter: number;
}

/** What sys/internal/ui/mounts says about a mount. */
export interface MountInfo {
  /** the mount's own path, e.g. "kv/" */
  path: string;
  type: string;
  /** "2" for KV v2, "1" or undefined for KV v1 */
  version: string | undefined;
}

/** The Vault client as use cases see it: diagnostics and the token's own view; every other call goes through a KvStore. */
export interface VaultClientPort {
  readonly config: VaultConfig;
  /** how the client authenticates, for messages (never a secret) */
  describeAuth(): string;
  health(): Promise<VaultHealth>;
  lookupSelf(): Promise<TokenInfo>;
  capabilitiesSelf(paths: readonly string[]): Promise<Record<string, string[]>>;
  close(): Promise<void>;
}

/** A KV v2 mount, addressed by paths inside it (e.g. "rke2/rke2-abc12345"). */
export interface KvStore {
  readonly client: { readonly config: VaultConfig };
  readonly mount: string;
  dataPath(path: string): string;
  metadataPath(path: string): string;
  mountInfo(): Promise<MountInfo>;
  ensureV2(): Promise<void>;
  read<T = Record<string, unknown>>(path: string, opts?: { version?: number }): Promise<KvReadResult<T>>;
  write(path: string, data: Record<string, unknown>, opts: { cas: number }): Promise<{ version: number }>;
  readMetadata(path: string): Promise<KvMetadata | undefined>;
  readConfig(): Promise<KvMountConfig | undefined>;
  listDetailed(folder: string, opts?: { pageSize?: number }): Promise<Array<{ key: string; metadata: KvMetadata }> | undefined>;
  patchMetadata(path: string, patch: { custom_metadata?: Record<string, string | null>; max_versions?: number }): Promise<void>;
  list(folder: string): Promise<string[]>;
  deleteAll(path: string): Promise<void>;
  isDeleted(info: KvVersionInfo): boolean;
}

/**
 * The cluster registry in Vault: one KV v2 secret per cluster (join token,
 * server URL, state, non-secret custom_metadata), one entry per node under it,
 * the admin kubeconfig under rke2-admin/. Every data write is check-and-set.
 * adapters/vault/registry.ts implements it over a KvStore.
 */
export interface ClusterRegistry {
  /** create a cluster (cas 0: of two concurrent creates one wins, the other gets a cas-conflict VaultError), then its custom_metadata */
  registerCluster(input: NewCluster): Promise<ClusterRecord>;
  /** a cluster (needs only read on its data path); a not-found or deleted VaultError otherwise */
  readCluster(id: string): Promise<ClusterRecord>;
  /** a new version with check-and-set on the version read (cas-conflict VaultError when someone wrote in between), then the metadata changes */
  updateCluster(current: ClusterRecord, changes: ClusterChanges, now?: Date): Promise<ClusterRecord>;
  /** KV bookkeeping of a cluster (needs read on its metadata path); undefined when it does not exist */
  readClusterHistory(id: string): Promise<ClusterHistory | undefined>;
  /** every token the kept versions hold, newest first */
  readTokenVersions(id: string, opts?: { concurrency?: number }): Promise<TokenVersion[]>;
  /** merge changes into custom_metadata without a new data version */
  patchClusterMetadata(current: ClusterRecord, metadata: Partial<Omit<ClusterMetadata, 'createdAt'>>): Promise<void>;
  /** every cluster under rke2/ with its metadata (never a token) */
  listClusters(opts?: ListClustersOptions): Promise<ClusterSummary[]>;
  /** delete a cluster completely: node entries, admin kubeconfig (when permitted), the cluster secret */
  deleteCluster(id: string, opts?: { concurrency?: number }): Promise<{ nodes: number; kubeconfigDeleted: boolean }>;
  /** create or update this node's entry (check-and-set, a concurrent write retried, last writer wins) */
  recordNode(clusterId: string, nodeName: string, entry: NodeEntry): Promise<NodeRecord>;
  /** one node entry, or undefined */
  readNode(clusterId: string, nodeName: string): Promise<NodeRecord | undefined>;
  /** merge changes into an existing entry (check-and-set, retried); undefined, writing nothing, when there is none */
  patchNode(clusterId: string, nodeName: string, changes: Partial<NodeEntry>): Promise<NodeRecord | undefined>;
  /** delete a node entry with all its versions; false when there was none */
  deleteNode(clusterId: string, nodeName: string): Promise<boolean>;
  /** every node entry of a cluster, sorted by name */
  listNodes(clusterId: string, opts?: { concurrency?: number }): Promise<NodeRecord[]>;
  /** the published admin kubeconfig, or undefined */
  readAdminKubeconfig(id: string): Promise<AdminKubeconfig | undefined>;
  /** store the admin kubeconfig with check-and-set; nothing written when Vault holds the same one */
  publishAdminKubeconfig(id: string, input: { kubeconfig: Secret; server: string; publishedBy: string }, now?: Date): Promise<{ version: number; changed: boolean }>;
}

/** A secrets engine or auth method as sys/mounts or sys/auth lists it (keys without the trailing "/"). */
export interface VaultMountEntry {
  type: string;
  /** the engine's options, e.g. { version: "2" } for KV v2 */
  options: Record<string, string>;
}

/** An AppRole role's settings as auth/<mount>/role/NAME reads them (durations in seconds). */
export interface AppRoleSettings {
  token_policies: string[];
  token_ttl: number;
  token_max_ttl: number;
  secret_id_num_uses: number;
  secret_id_ttl: number;
  bind_secret_id: boolean;
  token_type: string;
  token_no_default_policy: boolean;
}

/**
 * Vault administration for `vault setup`: mounts, auth methods, ACL policies
 * and AppRole roles, in the run's namespace. Every name is validated before it
 * becomes a path; failures are VaultErrors (exit 4/5/6).
 */
export interface VaultAdmin {
  /** sys/mounts: the secrets engines, by path */
  listMounts(): Promise<Record<string, VaultMountEntry>>;
  enableMount(path: string, mount: { type: string; options?: Record<string, string> }): Promise<void>;
  /** sys/auth: the auth methods, by path */
  listAuthMethods(): Promise<Record<string, VaultMountEntry>>;
  enableAuthMethod(path: string, type: string): Promise<void>;
  /** an ACL policy's HCL, undefined when there is none */
  readPolicy(name: string): Promise<string | undefined>;
  writePolicy(name: string, hcl: string): Promise<void>;
  /** an AppRole role's settings, undefined when there is none */
  readAppRole(mount: string, name: string): Promise<AppRoleSettings | undefined>;
  /** create or update a role; the body is sent as given (durations may be "15m") */
  writeAppRole(mount: string, name: string, body: Readonly<Record<string, unknown>>): Promise<void>;
  /** a role's role ID (not secret alone: it pairs with a secret ID), undefined when there is no such role */
  readRoleId(mount: string, name: string): Promise<string | undefined>;
}

/** How a command reaches Vault: a client, its KV v2 mount, the cluster registry and the admin calls over it, wired to the run (abort, clock, UI). */
export interface VaultConnector {
  connect(ctx: RunContext, config: VaultConfig): Promise<{ client: VaultClientPort; kv: KvStore; registry: ClusterRegistry; admin: VaultAdmin; approle: AppRolePort }>;
}

// ---- AppRole: join codes (adapters/vault/approle.ts implements it)

/** A freshly minted, response-wrapped secret ID. */
export interface MintedSecretId {
  /** unwraps the secret ID once, until the wrap TTL ends */
  wrapToken: Secret;
  /** the secret ID's accessor (wrap_info.wrapped_accessor): lists, revokes and node entries name it */
  accessor: string;
  creationTime: string;
  ttlSeconds: number;
  creationPath: string;
}

/** What secret-id-accessor/lookup says about an outstanding secret ID (nothing secret). */
export interface SecretIdInfo {
  accessor: string;
  creationTime: string;
  /** RFC 3339, or '' / the zero time when it never expires */
  expirationTime: string;
  cidrList: string[];
  tokenBoundCidrs: string[];
  /** uses left; 0 = unlimited */
  usesLeft: number;
  metadata: Record<string, string>;
}

/** What sys/wrapping/lookup says about a wrapping token. */
export interface WrapLookup {
  creationPath: string;
  creationTime: string;
  ttlSeconds: number;
}

export interface UnwrappedSecretId {
  secretId: Secret;
  accessor: string;
}

/** Why Vault refused an AppRole login. */
export type LoginRefusal = 'cidr' | 'invalid-secret-id' | 'other';

export type AppRoleLogin = { kind: 'ok'; clientToken: Secret; ttlSeconds: number } | { kind: 'refused'; refusal: LoginRefusal };

/** The AppRole calls of join codes: minting and managing (operator side), unwrapping and logging in (host side). */
export interface AppRolePort {
  /** the role's role ID, or undefined when the role does not exist */
  readRoleId(mount: string, role: string): Promise<string | undefined>;
  mintWrappedSecretId(mount: string, role: string, opts: { ttlSeconds: number; cidrs: readonly string[]; metadata: Readonly<Record<string, string>> }): Promise<MintedSecretId>;
  listSecretIdAccessors(mount: string, role: string): Promise<string[]>;
  /** undefined when no such accessor (destroyed, used up, expired) */
  lookupSecretIdAccessor(mount: string, role: string, accessor: string): Promise<SecretIdInfo | undefined>;
  destroySecretIdAccessor(mount: string, role: string, accessor: string): Promise<void>;
  /** needs no token; undefined when the wrapping token is unknown (used or expired) */
  lookupWrapping(wrapToken: Secret): Promise<WrapLookup | undefined>;
  /** undefined when the wrapping token is unknown (used or expired) */
  unwrapSecretId(wrapToken: Secret): Promise<UnwrappedSecretId | undefined>;
  login(mount: string, roleId: string, secretId: Secret): Promise<AppRoleLogin>;
}

// ---- Many hosts: how the operator's machine reaches them (adapters/ssh implements it)

export interface SshConnectOptions {
  knownHostsPath: string;
  /** record keys of hosts seen for the first time instead of refusing them (a changed key is always refused) */
  acceptNewHostKeys: boolean;
  /** connection timeout per host */
  timeoutMs: number;
  /** for hosts with sudo: the password sudo asks for (sent as the first line of each command's stdin) */
  sudoPassword?: Secret;
}

/** A connected remote host. */
export interface RemoteHost extends Host {
  readonly access: SshAccess;
  /** the host key's SHA256 fingerprint */
  readonly fingerprint: string;
}

export interface HostConnector {
  connect(name: string, access: SshAccess, opts: SshConnectOptions): Promise<RemoteHost>;
}
