/**
 * The riskiest choice `rke2 server` makes, as a pure function: bootstrap a new
 * cluster, continue a bootstrap this host started, join an existing cluster as
 * another server, or refuse. Facts are gathered first (the local ID file, the
 * flags, the cluster as Vault holds it); nothing here does I/O.
 */

/** The cluster as Vault holds it, reduced to what the decision needs. */
export interface RecordFacts {
  id: string;
  /** 'ready' once the token is published; anything else is an unfinished bootstrap */
  state: string;
  /** the host that bootstrapped it (custom metadata) */
  hostname: string | undefined;
  /** the join token is present (non-empty) */
  hasToken: boolean;
  /** the registration URL; '' when absent */
  server: string;
}

export interface ServerDecisionFacts {
  mode: 'server' | 'add-master';
  /** a join token was given (--token-file/--token-stdin/--token): join without Vault */
  tokenGiven: boolean;
  /** Vault is configured (and not --no-vault) */
  vault: boolean;
  clusterIdFlag: string | undefined;
  serverFlag: string | undefined;
  /** /etc/edgectl/cluster-id */
  localId: string | undefined;
  /** this host's name, lowercased */
  host: string;
  /** the cluster named by --cluster-id or the local ID, when Vault was asked (undefined: not registered or not asked) */
  record: RecordFacts | undefined;
  /** how to name the Vault in messages, e.g. "kv/ at https://vault:8200" */
  vaultWhere?: string;
}

export type ServerDecision =
  /** join with the given token and --server, no Vault */
  | { kind: 'join-with-token'; clusterId: string | undefined }
  /** bootstrap with no Vault: the token stays on this host */
  | { kind: 'bootstrap-local'; clusterId: string | undefined }
  /** join the ready cluster in Vault as another server */
  | { kind: 'join'; clusterId: string }
  /** register a new cluster (continuing: this host registered it before and the bootstrap did not finish, or re-runs it) */
  | { kind: 'bootstrap'; clusterId: string | undefined; continuing: boolean }
  | { kind: 'refuse'; error: 'precondition' | 'usage' | 'vaultState'; message: string; hint: string };

/** Whether the decision needs the cluster record from Vault (then gather it and decide again with it). */
export function needsRecord(f: Omit<ServerDecisionFacts, 'record'>): boolean {
  return !f.tokenGiven && f.vault && (f.clusterIdFlag ?? f.localId) !== undefined;
}

/**
 * Decide what `rke2 server` / `rke2 add-master` does. A clusterId of undefined
 * in a bootstrap means "generate a new one".
 */
export function decideServer(f: ServerDecisionFacts): ServerDecision {
  if (f.localId !== undefined && f.clusterIdFlag !== undefined && f.localId !== f.clusterIdFlag) {
    return {
      kind: 'refuse',
      error: 'precondition',
      message: `this host already belongs to cluster ${f.localId} (/etc/edgectl/cluster-id), not ${f.clusterIdFlag}`,
      hint: 'run edgectl rke2 uninstall first to move this host to another cluster',
    };
  }
  if (f.tokenGiven) return { kind: 'join-with-token', clusterId: f.clusterIdFlag ?? f.localId };
  if (!f.vault) {
    if (f.mode === 'add-master' || (f.clusterIdFlag !== undefined && f.localId === undefined && f.serverFlag !== undefined)) {
      return {
        kind: 'refuse',
        error: 'usage',
        message: 'joining an existing cluster needs Vault (VAULT_ADDR) or --server with --token-file/--token-stdin',
        hint: 'see edgectl rke2 server --help',
      };
    }
    return { kind: 'bootstrap-local', clusterId: f.clusterIdFlag ?? f.localId };
  }
  const wanted = f.clusterIdFlag ?? f.localId;
  const r = f.record;
  // this host registered it: its ID file names it, and the metadata names this host or, when the
  // registration's metadata write never landed, no host at all
  const registeredHere = r !== undefined && f.localId === r.id && (r.hostname === f.host || r.hostname === undefined);
  const bootstrappedHere = r !== undefined && r.hostname === f.host && f.localId === r.id;
  if (r !== undefined && r.state === 'ready' && !bootstrappedHere) {
    if (!r.hasToken || r.server === '') {
      return { kind: 'refuse', error: 'vaultState', message: `cluster ${r.id} in Vault has no token or server URL`, hint: 'its bootstrap did not finish; re-run edgectl rke2 server on its first server' };
    }
    return { kind: 'join', clusterId: r.id };
  }
  if (f.mode === 'add-master') {
    if (r === undefined) {
      return { kind: 'refuse', error: 'vaultState', message: `cluster ${wanted ?? '(none given)'} is not registered in ${f.vaultWhere ?? 'Vault'}`, hint: 'check the cluster ID and the Vault namespace/mount (edgectl cluster list)' };
    }
    return { kind: 'refuse', error: 'vaultState', message: `cluster ${r.id} is still bootstrapping on ${r.hostname ?? 'another host'}`, hint: 'wait until its first server is ready, then re-run' };
  }
  if (r !== undefined && r.hostname !== f.host && !registeredHere) {
    return {
      kind: 'refuse',
      error: 'vaultState',
      message: `cluster ${r.id} is being bootstrapped by host ${r.hostname ?? '(unknown)'}`,
      hint: 'wait until it is ready and re-run this command to join it as another server',
    };
  }
  return { kind: 'bootstrap', clusterId: wanted, continuing: r !== undefined };
}
