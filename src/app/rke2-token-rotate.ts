/**
 * `edgectl rke2 token rotate`: on a server, rotate the cluster's join token with
 * RKE2's own `rke2 token rotate` (through rke2.sh token-rotate, which passes no
 * token on any command line or environment), store the new token in Vault as a
 * new KV v2 version with check-and-set (earlier versions stay readable: an etcd
 * snapshot can only be restored with the token of its time), and list the nodes
 * that need it before their next restart.
 *
 * Crash safety: RKE2 writes the new token to this server's token file before
 * anything else happens, so a run that dies between the rotation and the Vault
 * write leaves a token that is in no Vault version. The next run sees exactly
 * that and publishes the file instead of rotating again.
 */
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import { EdgectlError } from '../core/errors.js';
import { HOST_PATHS } from '../core/host-paths.js';
import { tokenRotationProblem } from '../core/rke2-version.js';
import { renderTable } from '../core/table.js';
import { CLUSTER_FIELDS } from '../core/vault-layout.js';
import { type Context, writeJson, writeOut } from './context.js';
import { runPlan } from './plan.js';
import { type NodeRecord, tokenGenerationOf } from '../core/cluster-records.js';
import { compareWithVault, readRke2Status, requireReadyCluster, resolveClusterId, syncCommand, thisNodeName } from './rke2-node.js';
import { clusterApiPath, verifyVaultAccess } from './rke2-vault.js';
import { type RotationOutcome, publishRotatedTokenStep } from './phases/publish-rotated-token.js';
import { putRotatedTokenStep } from './phases/put-rotated-token.js';
import { recordTokenGenerationStep } from './phases/record-token-generation.js';
import { rotateTokenStep } from './phases/rotate-token.js';
import { type VaultSession, openVault } from './vault-session.js';

export interface TokenRotateInput {
  clusterId: string | undefined;
  dryRun: boolean;
  output: OutputFormat;
  vault: VaultFlags;
}

/** The --output json shape of `rke2 token rotate` (never a token). */
export interface TokenRotateJson {
  cluster_id: string;
  /** rotated: a new token now; recovered: an earlier run's rotation was published */
  mode: 'rotated' | 'recovered';
  node: string;
  vault_path: string;
  previous_kv_version: number;
  kv_version: number | null;
  token_generation: number;
  rotated_at: string | null;
  /** every other registered node: each needs `token sync` before its next restart */
  nodes_to_sync: Array<{ name: string; role: string; hostname: string; ip: string }>;
  sync_command: string;
}

/** Rotate the cluster token on this server, or finish an interrupted rotation. */
export async function runTokenRotate(ctx: Context, input: TokenRotateInput): Promise<void> {
  ctx.host.requireRoot('edgectl rke2 token rotate');
  const host = ctx.host.hostname().toLowerCase();
  const clusterId = resolveClusterId(input.clusterId, await ctx.host.readLocalClusterId());
  const status = await readRke2Status(ctx);
  if (!status.installed) throw new EdgectlError('precondition', 'RKE2 is not installed on this host', { hint: 'run the rotation on a server of the cluster' });
  if (status.role !== 'server') {
    throw new EdgectlError('precondition', `token rotation runs on a server of the cluster; this host's role is ${status.role}`, {
      hint: 'run it on one of the servers (edgectl rke2 status lists them)',
    });
  }
  const tooOld = tokenRotationProblem(status.version);
  if (tooOld !== undefined) {
    throw new EdgectlError('precondition', tooOld, { hint: 'upgrade the servers first (edgectl rke2 upgrade --version …), then rotate' });
  }
  const store = await openVault(ctx, input.vault);
  try {
    await rotate(ctx, input, store, { clusterId, host, nodeName: await thisNodeName(ctx, host) });
  } finally {
    await store.close();
  }
}

async function rotate(ctx: Context, input: TokenRotateInput, store: VaultSession, f: { clusterId: string; host: string; nodeName: string }): Promise<void> {
  await verifyVaultAccess(store);
  const record = await requireReadyCluster(store, f.clusterId);
  const local = await ctx.host.readTokenFile(HOST_PATHS.serverTokenFile);
  if (local === undefined) {
    throw new EdgectlError('precondition', `rke2-server has not written ${HOST_PATHS.serverTokenFile}`, { hint: 'wait until it is ready (edgectl rke2 status), then re-run' });
  }
  const { standing, version: heldVersion } = await compareWithVault(store, record, local);
  if (standing === 'foreign') {
    throw new EdgectlError('trust', `this server's token (${HOST_PATHS.serverTokenFile}) carries another cluster CA hash than cluster ${f.clusterId} in Vault`, {
      hint: `check the cluster ID (${HOST_PATHS.clusterIdFile}, --cluster-id) and the Vault namespace/mount`,
    });
  }
  if (standing === 'older') {
    const by = record.extra[CLUSTER_FIELDS.tokenRotatedBy];
    throw new EdgectlError('precondition', `this server still runs with an earlier token of cluster ${f.clusterId} (KV version ${heldVersion ?? '?'}); the cluster's token was rotated since${typeof by === 'string' ? ` on ${by}` : ''}`, {
      hint: `put the current token in place (${syncCommand(f.clusterId, input.vault)}) and restart rke2-server before rotating from this server, or rotate on an up-to-date server`,
    });
  }
  const mode: TokenRotateJson['mode'] = standing === 'current' ? 'rotated' : 'recovered';
  if (mode === 'recovered') ctx.ui.info(`This server holds a rotated token that is not in Vault yet (an earlier rotation did not finish): publishing it instead of rotating again.`);
  const nodes = await store.registry.listNodes(f.clusterId);
  const generation = tokenGenerationOf(record) + 1;
  const path = clusterApiPath(store, f.clusterId);
  const outcome: RotationOutcome = {};
  const publishStep = publishRotatedTokenStep(ctx, store, { clusterId: f.clusterId, record, generation, nodeName: f.nodeName }, outcome);
  const localStep = mode === 'rotated' ? rotateTokenStep(ctx) : putRotatedTokenStep(ctx);
  const nodeStep = recordTokenGenerationStep(ctx, store, { clusterId: f.clusterId, nodeName: f.nodeName, host: f.host, role: 'server', generation });
  // rotated: the rotation first (RKE2 writes the token file), then Vault; recovered: Vault first, the truth
  const steps = mode === 'rotated' ? [localStep, publishStep, nodeStep] : [publishStep, localStep, nodeStep];
  const others = nodes.filter((n) => n.name !== f.nodeName);
  const json = (kvVersion: number | null): TokenRotateJson => ({
    cluster_id: f.clusterId,
    mode,
    node: f.nodeName,
    vault_path: path,
    previous_kv_version: record.version,
    kv_version: kvVersion,
    token_generation: generation,
    rotated_at: outcome.rotatedAt ?? null,
    nodes_to_sync: others.map((n) => ({ name: n.name, role: n.role, hostname: n.hostname, ip: n.ip })),
    sync_command: syncCommand(f.clusterId, input.vault),
  });

  const results = await runPlan(ctx, {
    dryRun: input.dryRun,
    output: input.output,
    header: `Plan for edgectl rke2 token rotate (${mode === 'rotated' ? 'rotate' : 'publish an unfinished rotation'}, cluster ${f.clusterId}):`,
    json: { ...json(null) },
    steps,
  });
  if (results === undefined) {
    if (input.output !== 'json' && others.length > 0) ctx.ui.info(`Afterwards these nodes need the new token before their next restart: ${others.map((n) => n.name).join(', ')}`);
    return;
  }
  const out = json(outcome.published?.version ?? null);
  if (input.output === 'json') {
    writeJson(ctx, { ...out, steps: results });
    return;
  }
  reportRotation(ctx, out, others);
}

function reportRotation(ctx: Context, out: TokenRotateJson, others: NodeRecord[]): void {
  const verb = out.mode === 'rotated' ? 'rotated' : 'published (an earlier rotation on this server had not reached Vault)';
  ctx.ui.info(
    `Cluster ${out.cluster_id}: token ${verb}; it is KV version ${out.kv_version ?? '?'} of ${out.vault_path} (generation ${out.token_generation}). Versions up to ${out.previous_kv_version} keep the earlier tokens: restore an etcd snapshot taken before ${out.rotated_at ?? 'now'} with the token of its time.`,
  );
  if (others.length === 0) {
    writeOut(ctx, 'no other nodes are registered in Vault');
    return;
  }
  writeOut(ctx, renderTable(['NODE', 'ROLE', 'IP'], others.map((n) => [n.name, n.role, n.ip])));
  ctx.ui.info(`These ${others.length} node(s) must get the new token before their next restart (they keep running until then). Run on each of them:\n  ${out.sync_command}`);
}
