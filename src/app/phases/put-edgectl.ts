/** Phase: put this edgectl executable on every host that lacks exactly it. */
import type { Phase } from '../phase-runner.js';
import type { FleetHost } from '../fleet.js';

export const EDGECTL_ON_HOST = '/usr/local/bin/edgectl';

export function putEdgectlPhase(self: { path: string; sha256: string }): Phase<FleetHost> {
  return {
    title: 'Put edgectl on the hosts',
    select: (hosts) => hosts,
    run: async (host, gate) => {
      if (host.facts.edgectlSha256 === self.sha256) {
        gate.note(`${EDGECTL_ON_HOST} is already this edgectl (sha256 ${self.sha256.slice(0, 12)}…)`);
        return;
      }
      await gate.change(`copy edgectl (sha256 ${self.sha256.slice(0, 12)}…) to ${EDGECTL_ON_HOST} (0755), checked on the host before the rename`, async () => {
        await host.transport.copyFrom(self.path, EDGECTL_ON_HOST, 0o755, self.sha256);
        host.facts.edgectlSha256 = self.sha256;
        host.state.markChanged();
      });
    },
  };
}
