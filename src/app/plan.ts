/**
 * Plans: an ordered list of titled steps. A step changes anything only
 * through its gate, `gate.change(description, fn)`: a real run records the
 * description and runs fn; `--dry-run` runs the very same step code with a
 * gate that only records. So the dry-run plan is, by construction, the list
 * of changes a real run makes (k0sctl's "wet" gate, with the descriptions
 * and the code that performs them bound in one call).
 */
import { EdgectlError } from '../core/errors.js';
import type { OutputFormat } from '../core/command-options.js';
import { type Context, writeJson } from './context.js';
import type { Host, StepHandle } from '../core/ports.js';
import { recordCompletedStep, recordCurrentStep } from '../core/run-record.js';
import { type Gate, RecordingGate } from './gate.js';
import { type Phase, type PhaseObserver, type PhasesOutcome, runPhasesSettled } from './phase-runner.js';

export { type Gate, RecordingGate } from './gate.js';

export interface Step {
  /** short id, e.g. "vault-register" */
  id: string;
  /** human title, e.g. "Register the cluster in Vault" */
  title: string;
  /** the step shows its own progress (the script renders its events) */
  ownProgress?: boolean;
  /** read-only checks of everything the step will use; run for every step before the first one changes anything, in --dry-run too */
  preflight?: () => Promise<void>;
  /** the step's work; every change goes through gate.change. A dry run calls it too, so it reads but never writes outside change() */
  run(gate: Gate): Promise<void>;
}

export interface StepResult {
  id: string;
  title: string;
  duration_ms: number;
  /** the changes this step made, in order (the same lines a dry run lists) */
  changes: string[];
}

/** One step of a dry-run plan: every line in order, and which of them are changes. */
export interface PlannedStep {
  id: string;
  title: string;
  /** every plan line (changes and notes), as the text plan shows them */
  actions: string[];
  /** the changes alone: what a real run would execute */
  changes: string[];
}

/** Run every step through the phase runner with a recording-only gate: the plan a real run would execute. */
export async function dryRunPlan(ctx: Context, steps: readonly Step[]): Promise<PlannedStep[]> {
  const phases = steps.map((step): Phase<Host> => ({ title: step.title, select: (hosts) => hosts, run: (_host, gate) => step.run(gate) }));
  const outcome = await runPhasesSettled(ctx, [ctx.host], phases, { concurrency: 1, dryRun: true });
  if (outcome.error !== undefined) throw asThrown(outcome);
  return steps.map((s, i) => {
    const r = outcome.phases[i]?.hosts[0];
    return { id: s.id, title: s.title, actions: r?.actions ?? [], changes: r?.changes ?? [] };
  });
}

/** The plan as human text. */
export function planText(header: string, planned: readonly PlannedStep[]): string {
  const lines = [header];
  planned.forEach((s, i) => {
    lines.push(`${i + 1}. ${s.title}`);
    for (const a of s.actions) lines.push(`     ${a}`);
  });
  lines.push('(dry run: nothing was changed)');
  return `${lines.join('\n')}\n`;
}

/**
 * Run every step's preflight, in order, before any step runs: a plan either
 * fails here, having changed nothing, or starts. --dry-run calls it too, so it
 * refuses exactly what the real run would refuse.
 */
export async function preflightPlan(steps: readonly Step[]): Promise<void> {
  for (const step of steps) await step.preflight?.();
}

/**
 * Run the steps in order on this host, through the phase runner (each step a
 * phase over [ctx.host]): stops at the first failure, naming the step and the
 * host, or when interrupted, saying what was done.
 */
export async function executePlan(ctx: Context, steps: readonly Step[]): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const stepOf = new Map<Phase<Host>, Step>();
  const handles = new Map<Step, StepHandle | undefined>();
  const phases = steps.map((step): Phase<Host> => {
    const phase: Phase<Host> = { title: step.title, select: (hosts) => hosts, run: (_host, gate) => step.run(gate) };
    stepOf.set(phase, step);
    return phase;
  });
  const observer: PhaseObserver<Host> = {
    started(phase) {
      const step = stepOf.get(phase);
      if (step === undefined) return;
      handles.set(step, step.ownProgress === true ? undefined : ctx.ui.step(step.title));
      recordCurrentStep(ctx, step.title);
    },
    ended(phase, _host, r) {
      const step = stepOf.get(phase);
      if (step === undefined) return;
      const handle = handles.get(step);
      if (r.status !== 'done') {
        handle?.fail(); // the ✗ line names the step; the error itself says why
        return;
      }
      recordCurrentStep(ctx, undefined);
      handle?.done();
      const result = { id: step.id, title: step.title, duration_ms: r.duration_ms, changes: r.changes };
      results.push(result);
      recordCompletedStep(ctx, { id: result.id, title: result.title, duration_ms: result.duration_ms });
    },
  };
  const outcome = await runPhasesSettled(ctx, [ctx.host], phases, { concurrency: 1, dryRun: false, observer });
  if (outcome.error === undefined) return results;
  const failed = outcome.phases.flatMap((p) => p.hosts).find((r) => r.status === 'failed');
  if (failed === undefined) {
    const next = outcome.phases.at(-1)?.title ?? steps[results.length]?.title ?? '';
    throw new EdgectlError('interrupted', `interrupted before "${next}"`, {
      hint: `done so far: ${results.map((r) => r.title).join(', ') || 'nothing'}; re-run the same command to continue`,
    });
  }
  if (ctx.signal.aborted) {
    throw new EdgectlError('interrupted', `interrupted during "${failed.phase}"`, {
      hint: `completed before it: ${results.map((r) => r.title).join('; ') || 'nothing'}. Re-run the same command to continue: every step is safe to repeat`,
    });
  }
  throw asThrown(outcome);
}

/**
 * The error a one-host plan throws: the runner's, which names the host it happened on (-o json
 * "host"; the text boundary leaves it out while the run spans this one host, so stderr reads as
 * before, cli/run.ts); an error that is not an EdgectlError is thrown as it came (a bug: exit 70).
 */
function asThrown(outcome: PhasesOutcome): unknown {
  const failed = outcome.phases.flatMap((p) => p.hosts).find((r) => r.status === 'failed');
  const cause: unknown = failed?.error?.cause;
  if (failed?.error?.kind === 'internal' && cause !== undefined && !(cause instanceof EdgectlError) && failed.error.step === failed.phase) return cause;
  return outcome.error;
}

export interface PlanRun {
  dryRun: boolean;
  output: OutputFormat;
  /** the first line of the text plan, e.g. "Plan for edgectl rke2 agent (cluster X):" */
  header: string;
  /** the fields of the dry-run JSON besides dry_run and plan */
  json: Record<string, unknown>;
  steps: readonly Step[];
  /** extra lines printed after the text plan */
  notes?: readonly string[];
}

/**
 * The one tail every changing command shares: preflight, then either render
 * the dry-run plan (text or JSON) and return undefined, or execute and return
 * the results for the command's own report.
 */
export async function runPlan(ctx: Context, p: PlanRun): Promise<StepResult[] | undefined> {
  await preflightPlan(p.steps);
  if (p.dryRun) {
    const planned = await dryRunPlan(ctx, p.steps);
    if (p.output === 'json') {
      writeJson(ctx, { dry_run: true, ...p.json, plan: planned });
    } else {
      ctx.stdout.write(planText(p.header, planned));
      for (const n of p.notes ?? []) ctx.stdout.write(`${n}\n`);
    }
    return undefined;
  }
  return executePlan(ctx, p.steps);
}
