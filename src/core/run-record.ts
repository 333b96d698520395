/**
 * What a run has done so far, kept per Context (any object that stands for the run) for the error boundary: the
 * steps that completed (across every plan a command executes) and whether the
 * command already wrote its JSON report to stdout. `-o json` failures print
 * these instead of nothing (see cli/run.ts).
 */
/** The run a record belongs to: the Context object of the command. */
type Context = object;

/** One completed step of a plan. */
export interface CompletedStep {
  id: string;
  title: string;
  duration_ms: number;
}

interface RunRecord {
  steps: CompletedStep[];
  jsonWritten: boolean;
  /** the title of the step running now */
  current: string | undefined;
  /** the hosts the run's plans and phases ran on, in first-seen order */
  hosts: string[];
}

const records = new WeakMap<Context, RunRecord>();

function recordOf(ctx: Context): RunRecord {
  let r = records.get(ctx);
  if (r === undefined) {
    r = { steps: [], jsonWritten: false, current: undefined, hosts: [] };
    records.set(ctx, r);
  }
  return r;
}

/** Note a step that completed. */
export function recordCompletedStep(ctx: Context, step: CompletedStep): void {
  recordOf(ctx).steps.push(step);
}

/** The steps that completed in this run, in order. */
export function completedSteps(ctx: Context): readonly CompletedStep[] {
  return records.get(ctx)?.steps ?? [];
}

/** Note that the command wrote its JSON document to stdout. */
export function markJsonWritten(ctx: Context): void {
  recordOf(ctx).jsonWritten = true;
}

/** Whether the command already wrote its JSON document (then the boundary adds no second one). */
export function jsonWritten(ctx: Context): boolean {
  return records.get(ctx)?.jsonWritten ?? false;
}

/** Note the step that starts running (undefined: none). */
export function recordCurrentStep(ctx: Context, title: string | undefined): void {
  recordOf(ctx).current = title;
}

/** The title of the step running now, if a plan is running one. */
export function currentStep(ctx: Context): string | undefined {
  return records.get(ctx)?.current;
}

/** Note hosts the run works on (a plan on ctx.host, a runner's phases on many). */
export function recordRunHosts(ctx: Context, names: readonly string[]): void {
  const r = recordOf(ctx);
  for (const n of names) if (!r.hosts.includes(n)) r.hosts.push(n);
}

/** The hosts the run worked on so far, in first-seen order. */
export function runHosts(ctx: Context): readonly string[] {
  return records.get(ctx)?.hosts ?? [];
}

// scripts are children of this process, not of one run: one table for the process
const scriptChildren = new Map<number, string>();

/** Note a script child that started (adapters/host/script-runner.ts). */
export function noteScriptStarted(pid: number, name: string): void {
  scriptChildren.set(pid, name);
}

/** Note a script child that ended. */
export function noteScriptEnded(pid: number): void {
  scriptChildren.delete(pid);
}

/** The scripts running now, e.g. "rke2.sh (pid 1234)", for the message when edgectl exits without waiting for them. */
export function runningScripts(): string[] {
  return [...scriptChildren].map(([pid, name]) => `${name} (pid ${pid})`);
}

