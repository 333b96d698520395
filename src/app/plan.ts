/**
 * Plans: an ordered list of titled steps. A step changes anything only
 * through its gate, `gate.change(description, fn)`: a real run records the
 * description and runs fn; `--dry-run` runs the very same step code with a
 * gate that only records. So the dry-run plan is, by construction, the list
 * of changes a real run makes (k0sctl's "wet" gate, with the descriptions
 * and the code that performs them bound in one call).
 */
import { EdgectlError, withHost } from '../core/errors.js';
import type { OutputFormat } from '../core/command-options.js';
import { type Context, writeJson } from './context.js';
import { recordCompletedStep, recordCurrentStep, recordRunHosts } from '../core/run-record.js';

/** The one way a step changes a host or Vault. */
export interface Gate {
  readonly dryRun: boolean;
  /** describe a change (one line, never a secret) and make it; a dry run records it and returns undefined */
  change<T>(description: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** a plan line that is not a change (why nothing changes, what a change involves) */
  note(line: string): void;
}

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

/** The gate of a real run (runs fn, records the change) or of a dry run (records only); app/phase-runner.ts uses it too. */
export class RecordingGate implements Gate {
  readonly lines: string[] = [];
  readonly changes: string[] = [];
  constructor(readonly dryRun: boolean) {}

  async change<T>(description: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.dryRun) {
      this.lines.push(description);
      this.changes.push(description);
      return undefined;
    }
    const value = await fn();
    this.lines.push(description);
    this.changes.push(description);
    return value;
  }

  note(line: string): void {
    this.lines.push(line);
  }
}

/** Run every step with a recording-only gate: the plan a real run would execute. */
export async function dryRunPlan(steps: readonly Step[]): Promise<PlannedStep[]> {
  const planned: PlannedStep[] = [];
  for (const s of steps) {
    const gate = new RecordingGate(true);
    await s.run(gate);
    planned.push({ id: s.id, title: s.title, actions: gate.lines, changes: gate.changes });
  }
  return planned;
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

/** Run the steps in order; stops at the first failure, naming the step, or when interrupted. */
export async function executePlan(ctx: Context, steps: readonly Step[]): Promise<StepResult[]> {
  const results: StepResult[] = [];
  for (const step of steps) {
    if (ctx.signal.aborted) {
      throw new EdgectlError('interrupted', `interrupted before "${step.title}"`, {
        hint: `done so far: ${results.map((r) => r.title).join(', ') || 'nothing'}; re-run the same command to continue`,
      });
    }
    const started = ctx.clock.monotonicMs();
    const handle = step.ownProgress === true ? undefined : ctx.ui.step(step.title);
    recordCurrentStep(ctx, step.title);
    const gate = new RecordingGate(false);
    try {
      await step.run(gate);
      recordCurrentStep(ctx, undefined);
      handle?.done();
    } catch (err) {
      handle?.fail(); // the ✗ line names the step; the error itself says why
      if (ctx.signal.aborted) {
        throw new EdgectlError('interrupted', `interrupted during "${step.title}"`, {
          hint: `completed before it: ${results.map((r) => r.title).join('; ') || 'nothing'}. Re-run the same command to continue: every step is safe to repeat`,
        });
      }
      if (err instanceof EdgectlError && err.host === undefined) {
        // the error names the host it happened on (-o json "host"); the text boundary leaves it out
        // while the run spans this one host, so stderr reads as before (cli/run.ts)
        const host = ctx.host.name;
        recordRunHosts(ctx, [host]);
        throw withHost(err, host);
      }
      throw err;
    }
    for (const change of gate.changes) ctx.ui.debug(`change: ${change}`);
    const result = { id: step.id, title: step.title, duration_ms: Math.round(ctx.clock.monotonicMs() - started), changes: gate.changes };
    results.push(result);
    recordCompletedStep(ctx, { id: result.id, title: result.title, duration_ms: result.duration_ms });
  }
  return results;
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
    const planned = await dryRunPlan(p.steps);
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
