/** Phase: store the rotated token in Vault as the next version of the cluster secret (rke2 token rotate). */
import { EdgectlError } from '../../core/errors.js';
import { HOST_PATHS } from '../../core/host-paths.js';
import { Secret } from '../../core/secret.js';
import { CLUSTER_FIELDS } from '../../core/vault-layout.js';
import type { ClusterRecord } from '../../core/cluster-records.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';
import { clusterApiPath, findCluster } from '../rke2-vault.js';
import type { VaultSession } from '../vault-session.js';

export interface RotatedTokenFacts {
  clusterId: string;
  /** the cluster as read before the rotation */
  record: ClusterRecord;
  generation: number;
  /** the node that rotated (token_rotated_by) */
  nodeName: string;
}

/** What the publication did, for the command's report (filled in by a real run). */
export interface RotationOutcome {
  published?: ClusterRecord;
  rotatedAt?: string;
}

/** Write the new token from this server's token file with check-and-set on the version read before. */
export function publishRotatedTokenStep(ctx: Context, store: VaultSession, f: RotatedTokenFacts, outcome: RotationOutcome): Step {
  const { record, generation } = f;
  const path = clusterApiPath(store, f.clusterId);
  return {
    id: 'vault-publish',
    title: 'Store the new token in Vault',
    run: async (gate) => {
      gate.note(`read the new token from ${HOST_PATHS.serverTokenFile} (written by RKE2)`);
      await gate.change(`write ${path} with check-and-set on version ${record.version}: token, ${CLUSTER_FIELDS.tokenGeneration}=${generation}, ${CLUSTER_FIELDS.tokenRotatedAt}, ${CLUSTER_FIELDS.tokenRotatedBy}=${f.nodeName}`, async () => {
        const token = await ctx.host.readTokenFile(HOST_PATHS.serverTokenFile);
        if (token === undefined || record.token.equals(token)) throw new EdgectlError('hostStep', `${HOST_PATHS.serverTokenFile} does not hold a new token`);
        outcome.rotatedAt = ctx.clock.now().toISOString();
        outcome.published = await publishToken(ctx, store, record, { token, generation, rotatedAt: outcome.rotatedAt, by: f.nodeName });
      });
      gate.note(`versions up to ${record.version} stay readable: an etcd snapshot taken before now is restored with the token of its time`);
    },
  };
}

/**
 * Write the new token as the next version of the cluster secret. Idempotent: a
 * retry that finds it already there is done; a token changed by someone else
 * in between (another rotation) is a conflict, never overwritten.
 */
async function publishToken(ctx: Context, store: VaultSession, read: ClusterRecord, t: { token: string; generation: number; rotatedAt: string; by: string }): Promise<ClusterRecord> {
  const now = await findCluster(store, read.id);
  if (now === undefined) throw new EdgectlError('vaultState', `cluster ${read.id} disappeared from Vault during the rotation`);
  if (now.token.equals(t.token)) return now;
  if (!now.token.equals(read.token)) {
    const by = now.extra[CLUSTER_FIELDS.tokenRotatedBy];
    throw new EdgectlError('vaultState', `the token of cluster ${read.id} changed in Vault (version ${now.version}${typeof by === 'string' ? `, rotated on ${by}` : ''}) while this server rotated it`, {
      hint: `two rotations raced; this server's new token is still in ${HOST_PATHS.serverTokenFile}: find out which rotation RKE2 kept (the last one) before re-running`,
    });
  }
  return store.registry.updateCluster(
    now,
    {
      token: new Secret(t.token),
      extra: { [CLUSTER_FIELDS.tokenGeneration]: t.generation, [CLUSTER_FIELDS.tokenRotatedAt]: t.rotatedAt, [CLUSTER_FIELDS.tokenRotatedBy]: t.by },
    },
    ctx.clock.now(),
  );
}
