/**
 * Phases: the rolling upgrade of `edgectl apply` when the file's rke2.version
 * differs from what a joined host runs. Servers first, one at a time, then the
 * agents in the pool; per node: cordon and drain with RKE2's own kubectl on a
 * server (the first one that is not the node itself), `edgectl rke2 upgrade`
 * on the node (it waits until the service is ready again), uncordon.
 *
 * Before anything changes, checkRollout refuses a file that would downgrade a
 * node or break the version skew rule (core/version-skew.ts) at any point of
 * the rollout. A failed node stops the rollout; Rollout.explain turns the
 * failure into one error naming the nodes done, the one that failed and why,
 * and the ones left.
 */
import { type ClusterSpec, installOptionsOf } from '../../core/cluster-spec.js';
import { EdgectlError } from '../../core/errors.js';
import { EMPTY_INSTALL_OPTIONS, type InstallOptions, installOptionArgs, installOptionsFor } from '../../core/install-options.js';
import type { RunContext } from '../../core/ports.js';
import { compareVersionStrings } from '../../core/rke2-version.js';
import { nodeNameProblem } from '../../core/validate-node.js';
import { type SkewNode, clusterSkewProblems, skewBetween } from '../../core/version-skew.js';
import type { FleetHost } from '../fleet.js';
import type { Phase } from '../phase-runner.js';
import { joinedAlready, kindOfExit, remoteEnv } from './join-hosts.js';
import { EDGECTL_ON_HOST } from './put-edgectl.js';

/** Where RKE2 puts its kubectl, and its admin kubeconfig (root only). */
export const RKE2_KUBECTL = '/var/lib/rancher/rke2/bin/kubectl';
export const RKE2_ADMIN_KUBECONFIG = '/etc/rancher/rke2/rke2.yaml';

/** The RKE2 version the file asks for, when it names one (a channel does not start upgrades). */
export function rolloutTarget(spec: ClusterSpec): string | undefined {
  return spec.spec.cluster.rke2.version;
}

/** Whether a host is one of the cluster's nodes that runs another RKE2 than the file's version. */
export function needsUpgrade(host: FleetHost, target: string | undefined, clusterId: string): boolean {
  return target !== undefined && joinedAlready(host, clusterId) && host.facts.rke2Version !== undefined && host.facts.rke2Version !== target;
}

/** The Kubernetes node name of a host: its nodeName in the file, else its host name (lowercase, as RKE2 does). */
export function nodeNameOf(host: FleetHost): string {
  return host.spec.nodeName ?? host.facts.hostname.toLowerCase();
}

/**
 * Why the rollout to the file's version must not start, one line each; empty
 * when it may. Checks every node that would be upgraded against a downgrade,
 * each server's own step (at most one minor up), and the skew rule among the
 * cluster's nodes after each server's upgrade and at the end (agents go last,
 * so an agent is never newer than a server). Breaches that exist already
 * before the rollout are not its doing and are left to `rke2 status`.
 */
export function rolloutProblems(hosts: readonly FleetHost[], target: string | undefined, clusterId: string): string[] {
  if (target === undefined) return [];
  const members = hosts.filter((h) => joinedAlready(h, clusterId) && h.facts.rke2Version !== undefined);
  const moving = members.filter((h) => needsUpgrade(h, target, clusterId));
  const out: string[] = [];
  for (const h of moving) {
    const current = h.facts.rke2Version ?? '';
    if ((compareVersionStrings(target, current) ?? 0) < 0) out.push(`${h.name} runs RKE2 ${current}, newer than the file's ${target}: apply does not downgrade`);
    if (h.role === 'server') {
      const step = skewBetween({ name: h.name, role: 'server', version: target, label: `${h.name} after its upgrade` }, { name: h.name, role: 'server', version: current, label: `${h.name} now` });
      if (step?.severity === 'refuse') out.push(`${step.message}: a server goes up one minor release at a time`);
    }
  }
  if (out.length > 0) return out;
  const state = new Map<string, SkewNode>(members.map((h) => [h.name, { name: h.name, role: h.role, version: h.facts.rke2Version ?? '', label: `${h.role} ${h.name}` }]));
  const before = new Set(clusterSkewProblems([...state.values()]));
  const check = (when: string): void => {
    for (const p of clusterSkewProblems([...state.values()])) if (!before.has(p) && !out.some((o) => o.endsWith(p))) out.push(`${when}: ${p}`);
  };
  const upgradeIn = (h: FleetHost): void => {
    const n = state.get(h.name);
    if (n !== undefined) state.set(h.name, { ...n, version: target });
  };
  for (const s of moving.filter((h) => h.role === 'server')) {
    upgradeIn(s);
    check(`after server ${s.name} is upgraded`);
  }
  for (const a of moving.filter((h) => h.role === 'agent')) upgradeIn(a);
  check('after the agents are upgraded');
  return out;
}

/** Refuse (exit 3) before any change when the rollout would break the rules. */
export function checkRollout(hosts: readonly FleetHost[], spec: ClusterSpec, clusterId: string): void {
  const target = rolloutTarget(spec);
  const problems = rolloutProblems(hosts, target, clusterId);
  if (problems.length === 0) return;
  throw new EdgectlError('precondition', `refusing the rolling upgrade to ${target ?? ''}; nothing was changed:\n  ${problems.join('\n  ')}`, {
    hint: 'upgrade one minor release at a time (a version in between first), and never below what a node runs',
  });
}

/** The edgectl flags of `rke2 upgrade` the file gives (the version, air-gap artifacts). */
export function upgradeArgs(spec: ClusterSpec): string[] {
  const all = installOptionsOf(spec);
  const allowed = new Set<string>(installOptionsFor('upgrade').map((o) => o.field));
  const kept: Record<string, unknown> = { ...EMPTY_INSTALL_OPTIONS };
  for (const [k, v] of Object.entries(all)) if (allowed.has(k)) kept[k] = v;
  return installOptionArgs(kept as unknown as InstallOptions);
}

export interface RolloutOptions {
  spec: ClusterSpec;
  clusterId: () => string;
  ctx: RunContext;
  /** cordon and drain before each upgrade (options.drain.enabled, off with --no-drain) */
  drain: boolean;
  /** agents upgraded at once (options.concurrency) */
  concurrency?: number;
  /**
   * records a node's new version in its Vault node entry, from this machine (the hosts hold no
   * Vault credential): joins and `rke2 upgrade` check versions against those entries. Best
   * effort: a refusal (the operator policy has no write on node entries) is a warning.
   */
  recorder?: { describe(node: string): string; record(node: string, version: string): Promise<void> };
}

/** The state of one rolling upgrade: what is done, what failed, what is left. */
export class Rollout {
  readonly target: string | undefined;
  readonly done: string[] = [];
  failed: { host: string; error: EdgectlError } | undefined;
  #targets: string[] = [];
  #servers: FleetHost[] = [];

  constructor(private readonly o: RolloutOptions) {
    this.target = rolloutTarget(o.spec);
  }

  /** The two phases: servers one at a time, then agents in the pool. */
  phases(): Phase<FleetHost>[] {
    const pick = (role: 'server' | 'agent') => (hosts: readonly FleetHost[]): readonly FleetHost[] => {
      const id = this.o.clusterId();
      // kubectl runs on servers that are in the cluster already (not ones this apply joins)
      this.#servers = hosts.filter((h) => h.role === 'server' && joinedAlready(h, id));
      const chosen = hosts.filter((h) => h.role === role && needsUpgrade(h, this.target, id));
      for (const h of chosen) if (!this.#targets.includes(h.name)) this.#targets.push(h.name);
      return chosen;
    };
    return [
      { title: `Upgrade the servers to ${this.target ?? ''}, one at a time`, select: pick('server'), concurrency: 1, preflight: async (h) => this.#preflight(h), run: async (h, gate) => this.#upgrade(h, gate) },
      { title: `Upgrade the agents to ${this.target ?? ''}`, select: pick('agent'), ...(this.o.concurrency === undefined ? {} : { concurrency: this.o.concurrency }), preflight: async (h) => this.#preflight(h), run: async (h, gate) => this.#upgrade(h, gate) },
    ];
  }

  /** The run's failure as the rollout tells it (done, failed and why, left); other failures unchanged. */
  explain(err: EdgectlError): EdgectlError {
    const f = this.failed;
    if (f === undefined) return err;
    const left = this.#targets.filter((n) => n !== f.host && !this.done.includes(n));
    const list = (xs: readonly string[]): string => (xs.length === 0 ? 'none' : xs.join(', '));
    // the runner's error for that host when it is the one (it knows an interruption from a failure)
    const cause = err.host === f.host ? err : f.error;
    return new EdgectlError(cause.kind, `rolling upgrade to ${this.target ?? ''} stopped at ${f.host}: ${cause.message}; upgraded: ${list(this.done)}; failed: ${f.host}; left: ${list(left)}`, {
      host: f.host,
      hint: 'fix the cause, then run the same edgectl apply again: the nodes already upgraded are left as they are',
      cause,
    });
  }

  async #preflight(host: FleetHost): Promise<void> {
    const problem = nodeNameProblem(nodeNameOf(host));
    if (problem !== undefined) throw new EdgectlError('precondition', `its node name ${JSON.stringify(nodeNameOf(host))} cannot be drained: ${problem}`, { hint: 'set nodeName for this host in the cluster file' });
  }

  /** The server whose kubectl drains `node`: the first joined one that is not the node itself (a lone server drains itself). */
  #kubectlHost(host: FleetHost): FleetHost {
    const via = this.#servers.find((s) => s !== host) ?? this.#servers[0];
    if (via === undefined) throw new EdgectlError('precondition', 'the cluster file has no server to run kubectl on');
    return via;
  }

  async #kubectl(via: FleetHost, args: readonly string[]): Promise<void> {
    const command = [RKE2_KUBECTL, '--kubeconfig', RKE2_ADMIN_KUBECONFIG, ...args];
    const r = await via.transport.run(command, { env: remoteEnv(this.o.ctx), signal: this.o.ctx.signal });
    if (r.exitCode !== 0) {
      const last = r.stderrTail.filter((l) => l.trim() !== '').slice(-2).join(' ');
      throw new EdgectlError('hostStep', `kubectl ${args.join(' ')} on ${via.name} exited ${r.exitCode}: ${last.slice(0, 400)}`);
    }
  }

  async #upgrade(host: FleetHost, gate: Parameters<Phase<FleetHost>['run']>[1]): Promise<void> {
    const target = this.target ?? '';
    const node = nodeNameOf(host);
    try {
      const drain = this.o.drain;
      const via = drain ? this.#kubectlHost(host) : undefined;
      const on = via === undefined ? '' : ` (kubectl on ${via.name})`;
      if (via !== undefined) {
        await gate.change(`cordon node ${node}${on}`, () => this.#kubectl(via, ['cordon', node]));
        const flags = ['--ignore-daemonsets', '--delete-emptydir-data', `--timeout=${this.o.spec.spec.options.drain.timeout}`];
        await gate.change(`drain node ${node} ${flags.join(' ')}${on}`, async () => {
          try {
            await this.#kubectl(via, ['drain', node, ...flags]);
          } catch (err) {
            // not upgraded: let it take work again before the rollout stops
            await this.#kubectl(via, ['uncordon', node]).catch((e: unknown) => this.o.ctx.ui.warn(`${node}: uncordon after the failed drain failed: ${e instanceof Error ? e.message : String(e)}`));
            throw err;
          }
        });
      } else {
        gate.note(`no drain (options.drain.enabled: false or --no-drain): ${node} keeps its pods during the upgrade`);
      }
      const command = [EDGECTL_ON_HOST, 'rke2', 'upgrade', ...upgradeArgs(this.o.spec), '--no-vault', '-o', 'json'];
      await gate.change(`run ${command.join(' ')} on ${host.name} (${host.facts.rke2Version ?? 'unknown'} → ${target}; waits until rke2-${host.role} is ready)`, async () => {
        const r = await host.transport.run(command, { env: remoteEnv(this.o.ctx), signal: this.o.ctx.signal, onStderrLine: (line) => this.o.ctx.ui.info(`${host.name}: ${line}`) });
        host.state.markChanged();
        if (r.exitCode !== 0) {
          const last = r.stderrTail.filter((l) => /error|hint/i.test(l)).slice(-2).join(' ') || r.stderrTail.slice(-1).join('');
          throw new EdgectlError(kindOfExit(r.exitCode), `edgectl rke2 upgrade exited ${r.exitCode} on the host: ${last.slice(0, 400)}`);
        }
        const now = upgradedVersion(r.stdout);
        if (now !== target) throw new EdgectlError('hostStep', `edgectl rke2 upgrade ended, but the host runs RKE2 ${now ?? 'unknown'}, not ${target}`);
        host.facts.rke2Version = now;
      });
      const recorder = this.o.recorder;
      if (recorder !== undefined) {
        await gate.change(recorder.describe(node), async () => {
          await recorder.record(node, target).catch((e: unknown) => {
            this.o.ctx.ui.warn(`${node}: RKE2 ${target} not recorded in its Vault node entry (${e instanceof Error ? e.message : String(e)}); joins and rke2 upgrade compare against the old version until it is`);
          });
        });
      }
      if (via !== undefined) await gate.change(`uncordon node ${node}${on}`, () => this.#kubectl(via, ['uncordon', node]));
    } catch (err) {
      if (!gate.dryRun) this.failed ??= { host: host.name, error: err instanceof EdgectlError ? err : new EdgectlError('hostStep', err instanceof Error ? err.message : String(err)) };
      throw err;
    }
    if (!gate.dryRun) this.done.push(host.name);
  }
}

/** rke2_version from `edgectl rke2 upgrade -o json`. */
function upgradedVersion(stdout: string): string | undefined {
  try {
    const v = (JSON.parse(stdout) as { rke2_version?: unknown }).rke2_version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
