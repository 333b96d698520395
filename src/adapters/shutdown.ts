/**
 * What SIGINT/SIGTERM do. The first one aborts the run's signal, which
 * interrupts the running step at once (its script gets SIGTERM, a Vault request
 * or a wait is cancelled) and stops the plan; the run then ends normally with
 * exit 130, naming the step. If it has not ended within a grace period (a step
 * that does not return), edgectl says what state the host may be in and ends
 * by the signal itself. A second signal ends it at once.
 *
 * Why the signal and not process.exit: exit() waits for libuv's thread pool,
 * and a file operation blocked there (a FIFO, a hung NFS mount) would keep
 * edgectl alive forever. Dying by the signal's default action cannot hang; the
 * shell then reports 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
 */

export interface HostState {
  /** title of the step running now */
  current: string | undefined;
  /** titles of the steps that finished */
  completed: readonly string[];
  /** script children still running, e.g. "rke2.sh (pid 12)" */
  scripts: readonly string[];
}

export interface ShutdownOptions {
  /** abort the run (ctx.signal) */
  abort(reason: Error): void;
  /** write a line for the operator (stderr) */
  write(text: string): void;
  /** end the process by SIGNAL's default action, now */
  die(signal: NodeJS.Signals): void;
  /** how long after the first signal the run may take to stop */
  graceMs: number;
  /** what was running and what had finished, for the message when edgectl does not wait */
  state(): HostState;
}

const SIGNAL_NUMBER: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15 };

/** Build the process signal handler. */
export function createSignalHandler(opts: ShutdownOptions): (signal: NodeJS.Signals) => void {
  let received = 0;
  const dieNow = (signal: NodeJS.Signals, why: string): void => {
    opts.write(`edgectl: ${why}; exiting now (${signal}, status ${128 + (SIGNAL_NUMBER[signal] ?? 0)}): ${hostState(opts.state())}\n`);
    opts.die(signal);
  };
  return (signal) => {
    received += 1;
    if (received > 1) {
      dieNow(signal, `${signal} again`);
      return;
    }
    const again = signal === 'SIGINT' ? 'press Ctrl-C again to exit at once' : 'send it again to exit at once';
    opts.write(
      `\nedgectl: ${signal} received: interrupting the current step and stopping; every step is safe to re-run (${again}; exiting within ${seconds(opts.graceMs)} at the latest)\n`,
    );
    opts.abort(new Error(`interrupted by ${signal}`));
    // unref: a run that stops by itself exits without waiting for this
    setTimeout(() => dieNow(signal, `the current step did not stop within ${seconds(opts.graceMs)} of ${signal}`), opts.graceMs).unref();
  };
}

/** One sentence on where the host stands when edgectl exits without the step having stopped. */
export function hostState(s: HostState): string {
  const where = s.current === undefined ? 'the host may be part-way through the running operation' : `the host may be part-way through "${s.current}"`;
  const done = `finished before it: ${s.completed.length > 0 ? s.completed.join(', ') : 'nothing'}`;
  const scripts = s.scripts.length > 0 ? `; ${s.scripts.join(', ')} was sent SIGTERM and may still be running` : '';
  return `${where} (${done}${scripts}). Re-run the same command to finish: every step is safe to repeat`;
}

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))}s`;
}
