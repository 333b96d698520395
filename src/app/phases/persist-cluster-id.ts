/** Phase: write /etc/edgectl/cluster-id (rke2 server, rke2 agent). */
import { HOST_PATHS } from '../../core/host-paths.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';

/** Write /etc/edgectl/cluster-id atomically (one line, 0644); nothing to do when it already holds the ID. */
export function persistClusterIdStep(ctx: Context, clusterId: string, localId: string | undefined): Step {
  const same = localId === clusterId;
  return {
    id: 'cluster-id',
    title: same ? `Keep cluster ID ${clusterId} (already in ${HOST_PATHS.clusterIdFile})` : `Persist cluster ID ${clusterId}`,
    run: async (gate) => {
      if (same) gate.note('nothing to change');
      else await gate.change(`write ${HOST_PATHS.clusterIdFile} (0644): ${clusterId}`, () => ctx.host.writeFileAtomic(HOST_PATHS.clusterIdFile, `${clusterId}\n`, 0o644));
    },
  };
}
