/**
 * `edgectl rke2 agent`: join a cluster as an agent. With --cluster-id the
 * token and server URL come from Vault; the server's CA is checked against
 * the token's hash before anything is installed.
 */
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import type { InstallOptions } from '../core/install-options.js';
import { EdgectlError, usageError } from '../core/errors.js';
import type { Secret } from '../core/secret.js';
import { HOST_PATHS } from '../core/host-paths.js';
import { installOptionProblems } from '../core/install-options.js';
import { parseJoinToken } from '../core/rke2-token.js';
import { assertJoinableCluster } from '../core/validate-node.js';
import { type Context, writeJson, writeOut } from './context.js';
import { type Step, runPlan } from './plan.js';
import { tokenGenerationOf } from '../core/cluster-records.js';
import { settleJoinVersion } from './rke2-join-version.js';
import { nodeEntry, nodeNameFor, rke2VersionOnHost } from './rke2-node-entry.js';
import { checkServerCaStep } from './phases/check-server-ca.js';
import { installRke2Step } from './phases/install-rke2.js';
import { persistClusterIdStep } from './phases/persist-cluster-id.js';
import { recordNodeStep } from './phases/record-node.js';
import { removeJoinCodeStep } from './phases/remove-join-code.js';
import { clusterApiPath, describeVault, findCluster, verifyVaultAccess } from './rke2-vault.js';
import { type TokenSource, readTokenSource } from './token-input.js';
import { type VaultSession, openVaultIfConfigured } from './vault-session.js';
import { joinCodeConflicts, startCodeJoin } from './join-code-join.js';

export interface AgentInput {
  clusterId: string | undefined;
  token: TokenSource | undefined;
  server: string | undefined;
  skipCaCheck: boolean;
  /** join despite a version skew breach */
  force: boolean;
  noVault: boolean;
  dryRun: boolean;
  output: OutputFormat;
  vault: VaultFlags;
  install: InstallOptions;
  /** --join-code-file FILE or "-": join with a single-use code instead of Vault credentials */
  joinCodeFile?: string;
}


/** Run `rke2 agent`. */
export async function runAgent(ctx: Context, input: AgentInput): Promise<void> {
  const problems = installOptionProblems(input.install);
  if (input.token !== undefined && input.server === undefined) problems.push('a join token (--token, --token-file, --token-stdin) needs --server URL');
  if (input.token === undefined && input.clusterId === undefined && input.server !== undefined && input.noVault) problems.push('--server without Vault needs --token-file or --token-stdin');
  if (input.joinCodeFile !== undefined) {
    if (input.token !== undefined || input.clusterId !== undefined) problems.push('--join-code-file carries the cluster: do not also give --cluster-id or a join token');
    problems.push(...joinCodeConflicts(ctx, input.vault, input.noVault));
  }
  if (problems.length > 0) throw usageError(problems.join('\n  '), 'see edgectl rke2 agent --help');
  const started = await startCodeJoin(ctx, input, 'agent', 'edgectl rke2 agent');
  if (started === undefined) return;
  input = started.input;
  const joinCode = started.joinCode;

  const host = ctx.host.hostname().toLowerCase();
  const address = ctx.host.primaryAddress() ?? '127.0.0.1';
  const nodeName = nodeNameFor(input.install.nodeName, host);
  const localId = await ctx.host.readLocalClusterId();
  if (localId !== undefined && input.clusterId !== undefined && localId !== input.clusterId) {
    throw new EdgectlError('precondition', `this host already belongs to cluster ${localId} (${HOST_PATHS.clusterIdFile}), not ${input.clusterId}`, {
      hint: 'run edgectl rke2 uninstall first to move this host to another cluster',
    });
  }

  let token: Secret;
  let server: string;
  let tokenGeneration: number | undefined;
  const clusterId = input.clusterId ?? localId;
  let store: VaultSession | undefined;
  if (input.token !== undefined) {
    token = await readTokenSource(ctx, input.token);
    server = input.server as string; // validated above
  } else {
    store = joinCode !== undefined ? joinCode.store : input.noVault ? undefined : await openVaultIfConfigured(ctx, input.vault);
    if (store === undefined) {
      throw usageError('without Vault, an agent needs --server URL and --token-file FILE (or --token-stdin)', 'or set VAULT_ADDR and pass --cluster-id');
    }
    if (clusterId === undefined) throw usageError('--cluster-id is required (e.g. --cluster-id rke2-abc12345)');
    try {
      await verifyVaultAccess(store);
      const record = await findCluster(store, clusterId);
      if (record === undefined) {
        throw new EdgectlError('vaultState', `cluster ${clusterId} is not registered in ${describeVault(store)}`, {
          hint: 'check the cluster ID and the Vault namespace/mount (edgectl cluster list)',
        });
      }
      if (record.state !== 'ready' || record.token.isEmpty() || record.server === '') {
        throw new EdgectlError('vaultState', `cluster ${clusterId} is still bootstrapping on ${record.metadata.hostname ?? 'its first server'}`, {
          hint: 'wait until its first server is ready, then re-run',
        });
      }
      assertJoinableCluster(clusterId, { server: input.server === undefined ? record.server : undefined, token: record.token });
      token = record.token;
      tokenGeneration = tokenGenerationOf(record);
      server = input.server ?? record.server;
      input = { ...input, install: await settleJoinVersion(ctx, store, record, { role: 'agent', nodeName, install: input.install, force: input.force }) };
    } catch (err) {
      await store.close();
      throw err;
    }
  }
  try {
    await joinAsAgent(ctx, input, { store, token, tokenGeneration, server, clusterId, localId, host, address, nodeName, joinCodeAccessor: joinCode?.accessor });
  } finally {
    await store?.close();
  }
}

interface AgentFacts {
  store: VaultSession | undefined;
  token: Secret;
  /** the generation of the token from Vault */
  tokenGeneration: number | undefined;
  server: string;
  clusterId: string | undefined;
  localId: string | undefined;
  host: string;
  address: string;
  nodeName: string;
  /** the secret ID accessor of the join code this node joins with */
  joinCodeAccessor: string | undefined;
}

async function joinAsAgent(ctx: Context, input: AgentInput, f: AgentFacts): Promise<void> {
  const { store, token, tokenGeneration, server, clusterId, localId, host, address, nodeName } = f;

  const steps: Step[] = [];
  const { caHash } = parseJoinToken(token);
  if (input.skipCaCheck) {
    ctx.ui.warn('--skip-ca-check: joining without checking that the server is the cluster the token belongs to');
  } else if (caHash === undefined) {
    ctx.ui.warn('the join token has no CA hash (not in K10 form); the server CA cannot be checked');
  } else {
    steps.push(checkServerCaStep(ctx, server, caHash));
  }
  if (clusterId !== undefined) steps.push(persistClusterIdStep(ctx, clusterId, localId));
  steps.push(installRke2Step(ctx, 'agent', input.install, { server, token }));
  if (store !== undefined && clusterId !== undefined) {
    const id = clusterId;
    const accessor = f.joinCodeAccessor;
    steps.push(recordNodeStep(ctx, store, id, nodeName, async () => ({ ...(await nodeEntry(ctx, 'agent', host, address, tokenGeneration)), ...(accessor === undefined ? {} : { join_code_accessor: accessor }) })));
  }
  if (input.joinCodeFile !== undefined) steps.push(removeJoinCodeStep(ctx, input.joinCodeFile));

  const vaultPath = store !== undefined && clusterId !== undefined ? clusterApiPath(store, clusterId) : null;
  const results = await runPlan(ctx, {
    dryRun: input.dryRun,
    output: input.output,
    header: `Plan for edgectl rke2 agent${clusterId ? ` (cluster ${clusterId})` : ''}:`,
    json: { cluster_id: clusterId ?? null, role: 'agent', server_url: server, vault_path: vaultPath },
    steps,
  });
  if (results === undefined) return;
  if (input.output === 'json') {
    writeJson(ctx, { cluster_id: clusterId ?? null, role: 'agent', node_name: nodeName, server_url: server, vault_path: vaultPath, rke2_version: (await rke2VersionOnHost(ctx)) ?? null, steps: results });
    return;
  }
  if (clusterId !== undefined) writeOut(ctx, clusterId);
  ctx.ui.info(`This host joined ${clusterId ? `cluster ${clusterId}` : 'the cluster'} as agent ${nodeName} via ${server}.`);
}
