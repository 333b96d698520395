/**
 * `edgectl rke2 token sync`: fetch the cluster's current token from Vault and
 * put it in place on this node (rke2.sh token-sync, the token on stdin) for the
 * next start of rke2-server/rke2-agent, without restarting anything. Run on
 * every other node after `edgectl rke2 token rotate`.
 */
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import { EdgectlError } from '../core/errors.js';
import { HOST_PATHS } from '../core/host-paths.js';
import { type Context, writeJson, writeOut } from './context.js';
import { type Step, runPlan } from './plan.js';
import { tokenGenerationOf } from '../core/cluster-records.js';
import { compareWithVault, readRke2Status, refuseUnusableServerToken, requireReadyCluster, resolveClusterId, thisNodeName } from './rke2-node.js';
import { verifyVaultAccess } from './rke2-vault.js';
import { recordTokenGenerationStep } from './phases/record-token-generation.js';
import { syncTokenStep } from './phases/sync-token.js';
import { openVault } from './vault-session.js';

export interface TokenSyncInput {
  clusterId: string | undefined;
  dryRun: boolean;
  output: OutputFormat;
  vault: VaultFlags;
}

/** The --output json shape of `rke2 token sync` (never a token). */
export interface TokenSyncJson {
  cluster_id: string;
  node: string;
  role: 'server' | 'agent';
  kv_version: number;
  token_generation: number;
  /** false: the token file already held this token */
  changed: boolean;
}

/** Put the cluster's current token from Vault in place on this node. */
export async function runTokenSync(ctx: Context, input: TokenSyncInput): Promise<void> {
  ctx.host.requireRoot('edgectl rke2 token sync');
  const host = ctx.host.hostname().toLowerCase();
  const clusterId = resolveClusterId(input.clusterId, await ctx.host.readLocalClusterId());
  const status = await readRke2Status(ctx);
  if (!status.installed || status.role === 'none') {
    throw new EdgectlError('precondition', status.installed ? 'neither rke2-server nor rke2-agent is enabled on this host' : 'RKE2 is not installed on this host', {
      hint: 'token sync updates a node of the cluster; join one with edgectl rke2 agent/server',
    });
  }
  const role = status.role;
  const nodeName = await thisNodeName(ctx, host);
  const store = await openVault(ctx, input.vault);
  try {
    await verifyVaultAccess(store);
    const record = await requireReadyCluster(store, clusterId);
    if (role === 'server') {
      // a rotation on this server that never reached Vault must be published, not overwritten
      const local = await ctx.host.readTokenFile(HOST_PATHS.serverTokenFile);
      if (local !== undefined) refuseUnusableServerToken((await compareWithVault(store, record, local)).standing, clusterId, input.vault);
    }
    const generation = tokenGenerationOf(record);
    const before = await ctx.host.readTokenFile(HOST_PATHS.joinTokenFile);
    let changed = before === undefined || !record.token.equals(before);
    const steps: Step[] = [
      syncTokenStep(ctx, store, { clusterId, record, role, generation }, (c) => {
        changed = c;
      }),
      recordTokenGenerationStep(ctx, store, { clusterId, nodeName, host, role, generation }),
    ];
    const json = (): TokenSyncJson => ({ cluster_id: clusterId, node: nodeName, role, kv_version: record.version, token_generation: generation, changed });
    const results = await runPlan(ctx, { dryRun: input.dryRun, output: input.output, header: `Plan for edgectl rke2 token sync (cluster ${clusterId}, ${role} ${nodeName}):`, json: { ...json() }, steps });
    if (results === undefined) return;
    if (input.output === 'json') {
      writeJson(ctx, { ...json(), steps: results });
      return;
    }
    writeOut(ctx, `${nodeName}: token generation ${generation} of ${clusterId} ${changed ? 'put in place' : 'was already in place'}`);
    if (changed) ctx.ui.info(`rke2-${role} keeps running and uses the new token from its next start; nothing was restarted.`);
  } finally {
    await store.close();
  }
}
