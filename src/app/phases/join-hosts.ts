/**
 * Phases: the hosts of a cluster file join their cluster, each by pulling
 * from Vault with a join code minted for it alone and sent on the SSH
 * channel's stdin (`edgectl rke2 server|agent --join-code-file -` on the
 * host). No RKE2 token and no long-lived Vault credential crosses SSH.
 *
 * - bootstrap: the first server of a new cluster (a server code for a cluster
 *   not registered yet: that server registers it);
 * - servers: the other servers, one at a time;
 * - agents: in a bounded pool; one agent failing does not stop the others.
 */
import { type ClusterSpec, installOptionsOf } from '../../core/cluster-spec.js';
import { EXIT_CODES, EdgectlError, type ErrorKind } from '../../core/errors.js';
import { EMPTY_INSTALL_OPTIONS, type InstallOptions, installOptionArgs, installOptionsFor } from '../../core/install-options.js';
import type { JoinRole } from '../../core/join-code.js';
import type { RunContext } from '../../core/ports.js';
import type { Secret } from '../../core/secret.js';
import type { FleetHost } from '../fleet.js';
import type { Phase } from '../phase-runner.js';
import { EDGECTL_ON_HOST } from './put-edgectl.js';

/** Mints one single-use join code for one host (operator side: a Vault write). */
export interface CodeMinter {
  /** what the plan line says about the code (ttl, binding) */
  describe(role: JoinRole, host: FleetHost): string;
  mint(role: JoinRole, host: FleetHost): Promise<Secret>;
}

const REMOTE_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };
/** tunables of the host script passed on from this machine's environment (never secrets) */
const PASSED_ON = ['RKE2_SH_POLL_INTERVAL'] as const;

export function remoteEnv(ctx: RunContext): Record<string, string> {
  const env: Record<string, string> = { ...REMOTE_ENV };
  for (const k of PASSED_ON) {
    const v = ctx.env[k];
    if (v !== undefined && /^[0-9.]{1,8}$/.test(v)) env[k] = v;
  }
  return env;
}

/** The edgectl flags of a host's install options (the cluster's and its own) that its role's command takes. */
export function joinArgs(spec: ClusterSpec, host: FleetHost, role: JoinRole): string[] {
  const all = installOptionsOf(spec, host.spec);
  const allowed = new Set<string>(installOptionsFor(role).map((o) => o.field));
  const kept: Record<string, unknown> = { ...EMPTY_INSTALL_OPTIONS };
  for (const [k, v] of Object.entries(all)) if (allowed.has(k)) kept[k] = v;
  return installOptionArgs(kept as unknown as InstallOptions);
}

/** Whether a host already runs its role in this cluster (a re-apply leaves it alone). */
export function joinedAlready(host: FleetHost, clusterId: string): boolean {
  const active = host.role === 'server' ? host.facts.rke2ServerActive : host.facts.rke2AgentActive;
  return host.facts.clusterId === clusterId && active;
}

export function kindOfExit(code: number): ErrorKind {
  const found = (Object.entries(EXIT_CODES) as Array<[keyof typeof EXIT_CODES, number]>).find(([k, v]) => v === code && k !== 'ok');
  return found === undefined ? 'hostStep' : (found[0] as ErrorKind);
}

export interface JoinPhaseOptions {
  title: string;
  role: JoinRole;
  select: (hosts: readonly FleetHost[]) => readonly FleetHost[];
  spec: ClusterSpec;
  clusterId: () => string;
  minter: CodeMinter;
  ctx: RunContext;
  concurrency?: number;
  tolerant?: boolean;
}

export function joinPhase(o: JoinPhaseOptions): Phase<FleetHost> {
  return {
    title: o.title,
    select: o.select,
    ...(o.concurrency === undefined ? {} : { concurrency: o.concurrency }),
    ...(o.tolerant === true ? { tolerant: true } : {}),
    preflight: async (host) => {
      const id = o.clusterId();
      if (host.facts.clusterId !== undefined && host.facts.clusterId !== id) {
        throw new EdgectlError('precondition', `belongs to cluster ${host.facts.clusterId} (/etc/edgectl/cluster-id), not ${id}`, {
          hint: 'remove it from this cluster file, or run edgectl reset on it first',
        });
      }
    },
    run: async (host, gate) => {
      const id = o.clusterId();
      if (joinedAlready(host, id)) {
        gate.note(`already a${o.role === 'agent' ? 'n agent' : ' server'} of ${id} (rke2-${o.role} active): unchanged`);
        return;
      }
      const args = joinArgs(o.spec, host, o.role);
      const code = await gate.change(`mint a single-use ${o.role} join code for ${host.name} (${o.minter.describe(o.role, host)})`, () => o.minter.mint(o.role, host));
      const command = [EDGECTL_ON_HOST, 'rke2', o.role, '--join-code-file', '-', ...args];
      await gate.change(`run ${command.join(' ')} on ${host.name} (the join code on stdin)`, async () => {
        if (code === undefined) throw new EdgectlError('internal', 'no join code minted');
        const r = await host.transport.run(command, { stdinSecret: code, env: remoteEnv(o.ctx), signal: o.ctx.signal, onStderrLine: (line) => o.ctx.ui.info(`${host.name}: ${line}`) });
        host.state.markChanged();
        if (r.exitCode !== 0) {
          const last = r.stderrTail.filter((l) => /error|hint/i.test(l)).slice(-2).join(' ') || r.stderrTail.slice(-1).join('');
          throw new EdgectlError(kindOfExit(r.exitCode), `edgectl rke2 ${o.role} exited ${r.exitCode} on the host: ${last.slice(0, 400)}`, { step: o.title });
        }
        host.facts.clusterId = id;
        if (o.role === 'server') host.facts.rke2ServerActive = true;
        else host.facts.rke2AgentActive = true;
      });
    },
  };
}
