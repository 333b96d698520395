/**
 * Phase: uninstall RKE2 from a host of a cluster file, with the edgectl that
 * apply put there (`edgectl rke2 uninstall --yes` over SSH). Nothing secret
 * crosses SSH and the host needs no Vault credential for it: the node entry
 * is deleted from this machine (deregister-node.ts), not by the host.
 */
import { EdgectlError } from '../../core/errors.js';
import type { RunContext } from '../../core/ports.js';
import type { FleetHost } from '../fleet.js';
import type { Phase } from '../phase-runner.js';
import { EDGECTL_ON_HOST } from './put-edgectl.js';

const REMOTE_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

/** Whether a host holds anything of RKE2 or of an edgectl cluster (by its facts). */
export function hasRke2(host: FleetHost): boolean {
  const f = host.facts;
  return f.rke2Version !== undefined || f.clusterId !== undefined || f.rke2ServerActive || f.rke2AgentActive;
}

export interface UninstallPhaseOptions {
  title: string;
  select: (hosts: readonly FleetHost[]) => readonly FleetHost[];
  ctx: RunContext;
  concurrency?: number;
}

export function uninstallPhase(o: UninstallPhaseOptions): Phase<FleetHost> {
  const command = [EDGECTL_ON_HOST, 'rke2', 'uninstall', '--yes'];
  return {
    title: o.title,
    select: o.select,
    // one host failing (or down) does not stop the reset of the others; the run ends failed
    tolerant: true,
    ...(o.concurrency === undefined ? {} : { concurrency: o.concurrency }),
    run: async (host, gate) => {
      if (!hasRke2(host)) {
        gate.note(`no RKE2 and no cluster ID on ${host.name}: nothing to uninstall`);
        return;
      }
      if (host.facts.edgectlSha256 === undefined) {
        throw new EdgectlError('precondition', `${EDGECTL_ON_HOST} is missing on the host, so it cannot uninstall RKE2`, {
          hint: 'put it there with edgectl apply -f (it copies edgectl), or run rke2-uninstall.sh on the host by hand',
        });
      }
      const what = `${host.facts.rke2ServerActive ? 'rke2-server' : host.facts.rke2AgentActive ? 'rke2-agent' : 'RKE2'}${host.facts.rke2Version === undefined ? '' : ` ${host.facts.rke2Version}`}${host.facts.clusterId === undefined ? '' : ` of ${host.facts.clusterId}`}`;
      await gate.change(`run ${command.join(' ')} on ${host.name}: stops and removes ${what} with its data, then /etc/edgectl/cluster-id`, async () => {
        const r = await host.transport.run(command, { env: REMOTE_ENV, signal: o.ctx.signal, onStderrLine: (line) => o.ctx.ui.info(`${host.name}: ${line}`) });
        host.state.markChanged();
        if (r.exitCode !== 0) {
          const last = r.stderrTail.filter((l) => /error|hint/i.test(l)).slice(-2).join(' ') || r.stderrTail.slice(-1).join('');
          throw new EdgectlError('hostStep', `edgectl rke2 uninstall exited ${r.exitCode} on the host: ${last.slice(0, 400)}`, { step: o.title });
        }
        host.facts.rke2ServerActive = false;
        host.facts.rke2AgentActive = false;
        host.facts.rke2Version = undefined;
      });
    },
  };
}
