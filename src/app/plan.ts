/**
 * Plans: an ordered list of titled steps, each saying what it will do before
 * it does it. Every change a command makes passes through one plan, so
 * `--dry-run` prints exactly what a real run would execute.
 */
import { EdgectlError } from '../core/errors.js';
import type { Context } from './context.js';
import { recordCompletedStep, recordCurrentStep } from '../core/run-record.js';

export interface Step {
  /** short id, e.g. "vault-register" */
  id: string;
  /** human title, e.g. "Register the cluster in Vault" */
  title: string;
  /** what the step will do, one line each; never a secret */
  plan: string[];
  /** the step shows its own progress (the script renders its events) */
  ownProgress?: boolean;
  /** read-only checks of everything the step will use; run for every step before the first one changes anything, in --dry-run too */
  preflight?: () => Promise<void>;
  run(): Promise<void>;
}

export interface StepResult {
  id: string;
  title: string;
  duration_ms: number;
}

/** Print a plan for --dry-run on stderr (text) or return it for JSON. */
export function describePlan(steps: readonly Step[]): Array<{ id: string; title: string; actions: string[] }> {
  return steps.map((s) => ({ id: s.id, title: s.title, actions: s.plan }));
}

/** Write the plan as human text to stdout. */
export function printPlan(ctx: Context, header: string, steps: readonly Step[]): void {
  const lines = [header];
  steps.forEach((s, i) => {
    lines.push(`${i + 1}. ${s.title}`);
    for (const a of s.plan) lines.push(`     ${a}`);
  });
  lines.push('(dry run: nothing was changed)');
  ctx.stdout.write(`${lines.join('\n')}\n`);
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
    try {
      await step.run();
      recordCurrentStep(ctx, undefined);
      handle?.done();
    } catch (err) {
      handle?.fail(); // the ✗ line names the step; the error itself says why
      if (ctx.signal.aborted) {
        throw new EdgectlError('interrupted', `interrupted during "${step.title}"`, {
          hint: `completed before it: ${results.map((r) => r.title).join('; ') || 'nothing'}. Re-run the same command to continue: every step is safe to repeat`,
        });
      }
      throw err;
    }
    const result = { id: step.id, title: step.title, duration_ms: Math.round(ctx.clock.monotonicMs() - started) };
    results.push(result);
    recordCompletedStep(ctx, result);
  }
  return results;
}
