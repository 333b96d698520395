/** Phase: put the cluster's current token from Vault in place for the next start of RKE2 (rke2 token sync). */
import { HOST_PATHS } from '../../core/host-paths.js';
import type { ClusterRecord } from '../../core/cluster-records.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';
import { clusterApiPath } from '../rke2-vault.js';
import type { VaultSession } from '../vault-session.js';

export interface SyncTokenFacts {
  clusterId: string;
  /** the cluster as read from Vault: its token is the one put in place */
  record: ClusterRecord;
  role: 'server' | 'agent';
  generation: number;
}

/** rke2.sh token-sync with the token on stdin; tells changed(false) when the token file already held it. Nothing is restarted. */
export function syncTokenStep(ctx: Context, store: VaultSession, f: SyncTokenFacts, changed: (changed: boolean) => void): Step {
  const { record, role } = f;
  return {
    id: 'token-sync',
    title: `Put token generation ${f.generation} in place for the next start of rke2-${role}`,
    ownProgress: true,
    run: async (gate) => {
      gate.note(`read the token from ${clusterApiPath(store, f.clusterId)} (KV version ${record.version})`);
      await gate.change(`run the embedded rke2.sh token-sync --token-file - (token on stdin): ${HOST_PATHS.joinTokenFile} (0600), referenced by the drop-in`, async () => {
        const r = await ctx.host.runScript(ctx, {
          script: 'rke2.sh',
          args: ['token-sync', '--token-file', '-'],
          title: 'rke2.sh token-sync',
          stdinSecret: record.token,
        });
        changed(r.events.some((e) => e.step === 'token' && e.type === 'done'));
      });
      gate.note(`rke2-${role} is not restarted; it uses the token from its next start`);
    },
  };
}
