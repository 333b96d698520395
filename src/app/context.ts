/**
 * The context every command receives: environment, streams, clock and the
 * adapters it may use. main.ts builds the real one; tests build one on
 * in-memory streams (see test/support/context.ts).
 */
import type { Readable, Writable } from 'node:stream';
import type { HostConnector, RunContext, ThisHost, VaultConnector } from '../core/ports.js';
import { markJsonWritten } from '../core/run-record.js';
import type { Secret } from '../core/secret.js';

export type { Clock, Env, StepHandle, Ui } from '../core/ports.js';

export interface Context extends RunContext {
  /** the host this command runs on: every change to it goes through this port */
  readonly host: ThisHost;
  /** how the command reaches Vault (a client and its KV v2 mount) */
  readonly vault: VaultConnector;
  /** how many-host commands reach other hosts (SSH) */
  readonly ssh: HostConnector;
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdinIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  /** home directory, for ~/.vault-token */
  readonly homeDir: string;
  /**
   * Write a secret on stdout, the only way one reaches it (adapters/secret-output.ts):
   * followed by a newline always, or only when it does not end with one.
   */
  writeSecretLine(secret: Secret, newline: 'always' | 'if-missing'): void;
  /** ask for a secret on the terminal (the prompt on stderr, the answer not echoed) */
  promptSecret(question: string): Promise<Secret>;
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
