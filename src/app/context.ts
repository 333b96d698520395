/**
 * The context every command receives: environment, streams, clock and the
 * adapters it may use. main.ts builds the real one; tests build one on
 * in-memory streams (see test/support/context.ts).
 */
import type { Readable, Writable } from 'node:stream';
import { markJsonWritten } from './run-record.js';

export type Env = Readonly<Record<string, string | undefined>>;

export interface Clock {
  /** wall-clock time, for timestamps written to Vault */
  now(): Date;
  /** monotonic milliseconds, for durations */
  monotonicMs(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** Human-facing output on stderr (progress, warnings); data goes to stdout. */
export interface Ui {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** debug lines, shown only with --debug or EDGECTL_DEBUG=1 */
  debug(message: string): void;
  /** a long step with elapsed time: a spinner on a TTY, plain lines otherwise */
  step(title: string): StepHandle;
}

export interface StepHandle {
  update(message: string): void;
  done(message?: string): void;
  fail(message?: string): void;
}

export interface Context {
  readonly env: Env;
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdinIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly clock: Clock;
  readonly ui: Ui;
  /** home directory, for ~/.vault-token */
  readonly homeDir: string;
  /** aborted on SIGINT/SIGTERM; long steps stop gracefully */
  readonly signal: AbortSignal;
}

/** Write one line of data to stdout. */
export function writeOut(ctx: Context, text: string): void {
  ctx.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Write a value as pretty JSON to stdout (the --output json contract). */
export function writeJson(ctx: Context, value: unknown): void {
  markJsonWritten(ctx);
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
