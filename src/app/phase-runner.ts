/**
 * The runner: phases over many hosts (issue 14). Pure orchestration, no I/O
 * of its own: every change a phase makes goes through its gate, as in a plan
 * (app/plan.ts), and --dry-run runs the very same phase code with a gate that
 * only records.
 *
 * - every phase's preflight runs on every host it selects before any phase runs;
 * - a barrier between phases: phase N+1 starts on no host until phase N ended
 *   on all the hosts it selected;
 * - inside a phase, hosts go through a bounded pool (core/concurrency.ts);
 * - on the first failure no new host is started; the hosts in flight finish,
 *   then the cleanups run (latest phase first) for every host whose run
 *   started, and the first failure is thrown naming its host.
 */
import { EdgectlError, withHost } from '../core/errors.js';
import { mapBounded } from '../core/concurrency.js';
import type { Host, RunContext } from '../core/ports.js';
import { recordRunHosts } from '../core/run-record.js';
import { type Gate, RecordingGate } from './gate.js';

export interface Phase<H extends Host = Host> {
  /** human title, e.g. "Install the first server" */
  title: string;
  /** the hosts this phase applies to (a subset of the run's hosts) */
  select(hosts: readonly H[]): readonly H[];
  /** read-only checks on one host; run for every phase and selected host before any phase runs, in --dry-run too */
  preflight?(host: H): Promise<void>;
  /** the phase's work on one host; every change goes through gate.change */
  run(host: H, gate: Gate): Promise<void>;
  /** undo or tidy on a host whose run of this phase started, when this phase or a later one fails (never in a dry run) */
  cleanup?(host: H): Promise<void>;
  /**
   * a failure on one host does not stop the others (agents joining in a pool):
   * the host is out of the later phases, the run goes on and ends failed
   */
  tolerant?: boolean;
  /** at most this many of its hosts at once (servers joining one at a time: 1); the run's concurrency otherwise */
  concurrency?: number;
}

/** What one phase did on one host. */
export interface HostPhaseResult {
  phase: string;
  host: string;
  /** done; failed (error says why); skipped: not started because the run was already failing */
  status: 'done' | 'failed' | 'skipped';
  duration_ms: number;
  /** the changes made (a dry run: the changes it would make), in order */
  changes: string[];
  /** every plan line, changes and notes, in order */
  actions: string[];
  error?: EdgectlError;
  /** whether the phase's cleanup ran on this host, and how it ended */
  cleanup?: 'done' | 'failed';
}

export interface PhaseResult {
  title: string;
  hosts: HostPhaseResult[];
  /** wall time of the phase, from its first host's start to its last host's end */
  duration_ms: number;
}

export interface RunPhasesOptions<H extends Host = Host> {
  /** at most this many hosts of a phase in flight */
  concurrency: number;
  dryRun: boolean;
  /** told when a host's run of a phase starts and ends (progress lines, run records) */
  observer?: PhaseObserver<H>;
}

/** Hooks around each host's run of a phase; they must not throw. */
export interface PhaseObserver<H extends Host = Host> {
  started?(phase: Phase<H>, host: H): void;
  ended?(phase: Phase<H>, host: H, result: HostPhaseResult): void;
}

export interface PhasesOutcome {
  /** the phases that started, in order, each with its hosts' results in the order of select() */
  phases: PhaseResult[];
  /** the first failure, naming its host; undefined when every phase ended on every host */
  error: EdgectlError | undefined;
}

/** The error a failure on a host becomes: an EdgectlError that names the host. */
function hostError(ctx: RunContext, err: unknown, host: string, phase: string): EdgectlError {
  if (err instanceof EdgectlError) return err.host === undefined ? withHost(err, host) : err;
  if (ctx.signal.aborted) return new EdgectlError('interrupted', `interrupted during "${phase}"`, { host, cause: err });
  // not ours: still a bug (exit 70 as at the boundary), but it says where it happened
  const message = err instanceof Error ? err.message : String(err);
  return new EdgectlError('internal', message, { host, step: phase, cause: err });
}

/**
 * Run the phases and report what happened on every host, the failure included
 * (it is not thrown; runPhases throws it). Cleanups have run when it resolves.
 */
export async function runPhasesSettled<H extends Host>(ctx: RunContext, hosts: readonly H[], phases: readonly Phase<H>[], opts: RunPhasesOptions<H>): Promise<PhasesOutcome> {
  recordRunHosts(ctx, hosts.map((h) => h.name));
  const selected = phases.map((p) => p.select(hosts));
  const out: PhaseResult[] = [];

  // preflights: all of them before anything changes; the first failure ends the run with nothing started
  for (const [i, phase] of phases.entries()) {
    let error: EdgectlError | undefined;
    await mapBounded(selected[i] ?? [], opts.concurrency, async (host) => {
      if (error !== undefined || phase.preflight === undefined) return;
      try {
        await phase.preflight(host);
      } catch (err) {
        error ??= hostError(ctx, err, host.name, phase.title);
      }
    });
    if (error !== undefined) return { phases: out, error };
  }

  let failure: EdgectlError | undefined;
  /** failures of tolerant phases: their hosts sit out the later phases */
  let tolerated: EdgectlError | undefined;
  const outOfRun = new Set<string>();
  /** per phase index: the hosts whose run started */
  const started: H[][] = [];
  for (const [i, phase] of phases.entries()) {
    if (failure !== undefined) break;
    const targets = (selected[i] ?? []).filter((h) => !outOfRun.has(h.name));
    const ran: H[] = [];
    started.push(ran);
    // the pool never rejects: each host's failure is a value, so every host in flight ends before the barrier
    const phaseStart = ctx.clock.monotonicMs();
    const results = await mapBounded(targets, Math.min(opts.concurrency, phase.concurrency ?? opts.concurrency), async (host): Promise<HostPhaseResult> => {
      const base = { phase: phase.title, host: host.name };
      if (failure === undefined && ctx.signal.aborted) {
        failure = new EdgectlError('interrupted', `interrupted before "${phase.title}" on ${host.name}`, {
          host: host.name,
          hint: 're-run the same command to continue',
        });
      }
      if (failure !== undefined) return { ...base, status: 'skipped', duration_ms: 0, changes: [], actions: [] };
      ran.push(host);
      opts.observer?.started?.(phase, host);
      const gate = new RecordingGate(opts.dryRun);
      const t0 = ctx.clock.monotonicMs();
      const duration = (): number => Math.round(ctx.clock.monotonicMs() - t0);
      try {
        await phase.run(host, gate);
      } catch (err) {
        const error = hostError(ctx, err, host.name, phase.title);
        if (phase.tolerant === true && !ctx.signal.aborted) {
          tolerated ??= error;
          outOfRun.add(host.name);
        } else {
          failure ??= error;
        }
        const failed: HostPhaseResult = { ...base, status: 'failed', duration_ms: duration(), changes: gate.changes, actions: gate.lines, error };
        opts.observer?.ended?.(phase, host, failed);
        return failed;
      }
      for (const change of gate.changes) ctx.ui.debug(`${host.name}: change: ${change}`);
      const done: HostPhaseResult = { ...base, status: 'done', duration_ms: duration(), changes: gate.changes, actions: gate.lines };
      opts.observer?.ended?.(phase, host, done);
      return done;
    });
    out.push({ title: phase.title, hosts: results, duration_ms: Math.round(ctx.clock.monotonicMs() - phaseStart) });
  }

  if (failure !== undefined && !opts.dryRun) await cleanUp(ctx, phases, started, out, opts.concurrency);
  return { phases: out, error: failure ?? tolerated };
}

/** The cleanups of every phase that started, latest phase first, for the hosts whose run of it started. */
async function cleanUp<H extends Host>(ctx: RunContext, phases: readonly Phase<H>[], started: readonly H[][], out: PhaseResult[], concurrency: number): Promise<void> {
  for (let i = started.length - 1; i >= 0; i -= 1) {
    const phase = phases[i];
    const hosts = started[i] ?? [];
    if (phase?.cleanup === undefined) continue;
    const cleanup = phase.cleanup.bind(phase);
    await mapBounded(hosts, concurrency, async (host) => {
      const result = out[i]?.hosts.find((r) => r.host === host.name);
      try {
        await cleanup(host);
        if (result !== undefined) result.cleanup = 'done';
      } catch (err) {
        // the failure that caused the cleanup stays the error; this one is a warning
        if (result !== undefined) result.cleanup = 'failed';
        ctx.ui.warn(`${host.name}: cleanup after "${phase.title}" failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  }
}

/**
 * Run the phases over the hosts: a barrier between phases, a bounded pool
 * inside each, per-host results. On failure: no new work, cleanups, then the
 * first failure thrown as an EdgectlError naming its host.
 */
export async function runPhases<H extends Host>(ctx: RunContext, hosts: readonly H[], phases: readonly Phase<H>[], opts: RunPhasesOptions<H>): Promise<PhaseResult[]> {
  const outcome = await runPhasesSettled(ctx, hosts, phases, opts);
  if (outcome.error !== undefined) throw outcome.error;
  return outcome.phases;
}
