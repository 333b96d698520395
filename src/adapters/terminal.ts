/**
 * The terminal Ui: progress, warnings and errors on stderr. Colour and the
 * spinner only on a TTY without NO_COLOR; otherwise plain, one line per event.
 */
import type { Writable } from 'node:stream';
import type { Clock, StepHandle, Ui } from '../core/ports.js';

export interface TerminalOptions {
  stderr: Writable;
  isTTY: boolean;
  noColor: boolean;
  debug: boolean;
  clock: Clock;
  /**
   * Without a TTY, a step that printed nothing for this long prints a heartbeat
   * line with its elapsed time (default 15 s; tests shorten it, see main.ts).
   */
  heartbeatMs?: number;
}

/** Default interval of the non-TTY heartbeat. */
export const DEFAULT_HEARTBEAT_MS = 15_000;

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Format milliseconds as a short elapsed time: 850ms, 12.3s, 2m05s. */
export function formatElapsed(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}

/** Build the stderr Ui for a run. */
export function createTerminalUi(opts: TerminalOptions): Ui {
  const color = opts.isTTY && !opts.noColor;
  const paint = (code: string, text: string): string => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const line = (text: string): void => {
    opts.stderr.write(`${text}\n`);
  };
  let activeSpinner: { clear(): void; redraw(): void } | undefined;
  const print = (text: string): void => {
    activeSpinner?.clear();
    line(text);
    activeSpinner?.redraw();
  };

  return {
    info: (m) => print(m),
    warn: (m) => print(`${paint('33', 'warning:')} ${m}`),
    error: (m) => print(`${paint('31', 'error:')} ${m}`),
    debug: (m) => {
      if (opts.debug) print(paint('2', `debug: ${m}`));
    },
    step(title: string): StepHandle {
      const started = opts.clock.monotonicMs();
      const elapsed = (): string => formatElapsed(opts.clock.monotonicMs() - started);
      let detail = '';
      let finished = false;
      if (!color) {
        line(`… ${title}`);
        const stopHeartbeat = plainHeartbeat(opts, title, started, () => detail);
        return {
          update(message) {
            if (message !== detail) {
              detail = message;
              stopHeartbeat.touch(true);
              line(`  ${title}: ${message} (${elapsed()})`);
            }
          },
          done(message) {
            if (finished) return;
            finished = true;
            stopHeartbeat.stop();
            line(`✓ ${title}${message ? `: ${message}` : ''} (${elapsed()})`);
          },
          fail(message) {
            if (finished) return;
            finished = true;
            stopHeartbeat.stop();
            line(`✗ ${title}${message ? `: ${message}` : ''} (${elapsed()})`);
          },
        };
      }
      let frame = 0;
      const render = (): string =>
        `${paint('36', FRAMES[frame % FRAMES.length] ?? '*')} ${title}${detail ? ` ${paint('2', detail)}` : ''} ${paint('2', elapsed())}`;
      const spinner = {
        clear: () => opts.stderr.write('\r\u001b[2K'),
        redraw: () => opts.stderr.write(render()),
      };
      activeSpinner = spinner;
      spinner.redraw();
      const timer = setInterval(() => {
        frame += 1;
        spinner.clear();
        spinner.redraw();
      }, 100);
      timer.unref();
      const finish = (mark: string, message?: string): void => {
        if (finished) return;
        finished = true;
        clearInterval(timer);
        spinner.clear();
        if (activeSpinner === spinner) activeSpinner = undefined;
        line(`${mark} ${title}${message ? `: ${message}` : ''} ${paint('2', `(${elapsed()})`)}`);
      };
      return {
        update(message) {
          detail = message;
        },
        done: (message) => finish(paint('32', '✓'), message),
        fail: (message) => finish(paint('31', '✗'), message),
      };
    },
  };
}

/**
 * The non-TTY heartbeat of one step: when the step printed nothing for an
 * interval, one line with the elapsed time; an unchanged detail is not
 * repeated but said to be "the same for" how long it has held.
 */
function plainHeartbeat(
  opts: TerminalOptions,
  title: string,
  started: number,
  detail: () => string,
): { touch(changed: boolean): void; stop(): void } {
  const every = opts.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
  let lastLine = started;
  let detailSince = started;
  const timer = setInterval(() => {
    const now = opts.clock.monotonicMs();
    if (now - lastLine < every) return;
    lastLine = now;
    const total = formatElapsed(now - started);
    const d = detail();
    opts.stderr.write(
      d === '' ? `  ${title}: still running (${total})\n` : `  ${title}: ${d} (same for ${formatElapsed(now - detailSince)}, ${total} in all)\n`,
    );
  }, Math.max(1, Math.min(every, 1000)));
  timer.unref();
  return {
    touch(changed) {
      lastLine = opts.clock.monotonicMs();
      if (changed) detailSince = lastLine;
    },
    stop: () => clearInterval(timer),
  };
}

