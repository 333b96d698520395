/**
 * The ports: what app/ needs from the world, as types only. Adapters implement
 * them (adapters/host, adapters/vault, adapters/terminal) and src/main.ts
 * wires the real ones into the Context; tests pass their own.
 */
import type { Secret } from './secret.js';

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

/** What an adapter may use of a command's context: environment, output, time, cancellation. */
export interface RunContext {
  readonly env: Env;
  readonly ui: Ui;
  readonly clock: Clock;
  /** aborted on SIGINT/SIGTERM; long steps stop */
  readonly signal: AbortSignal;
}

/** How a host is reached. */
export type HostAccess = { kind: 'local' } | { kind: 'ssh'; address: string; user: string; port: number; keyPath?: string };

export interface RunOptions {
  /** fed to the command's stdin and nothing else (pair with `--token-file -`) */
  stdinSecret?: Secret;
  /** the whole environment of the command (transports add nothing secret) */
  env?: Readonly<Record<string, string>>;
  /** called for each line the command writes to stderr */
  onStderrLine?: (line: string) => void;
  /** aborting it stops the command (SIGTERM to its process group) */
  signal?: AbortSignal;
}

export interface RunResult {
  /** the exit code, or 128+N when a signal N ended it */
  exitCode: number;
  stdout: string;
  /** the last lines of stderr (for error messages; never holds a secret the command did not print) */
  stderrTail: string[];
}

/**
 * How edgectl touches a host: an argv (never a shell string), files with an
 * explicit mode, secrets only on stdin or in files created with their mode.
 */
export interface Transport {
  run(argv: readonly string[], opts?: RunOptions): Promise<RunResult>;
  /** write atomically with mode (a Secret is written as is, the file created with mode from the first byte) */
  putFile(path: string, content: string | Uint8Array | Secret, mode: number): Promise<void>;
  /** a UTF-8 file, or undefined when absent */
  readFile(path: string): Promise<string | undefined>;
  /** a token file (trimmed), or undefined when absent or empty */
  readSecretFile(path: string): Promise<Secret | undefined>;
  /** remove a file; false when it was absent */
  remove(path: string): Promise<boolean>;
  close(): Promise<void>;
}

/** What is per host: caches keyed by the host's change counter, gathered facts. */
export class HostState {
  #changes = 0;
  #version: { changes: number; version: string | undefined } | undefined;

  /** a step may have changed the host: caches of its facts are stale now */
  markChanged(): void {
    this.#changes += 1;
  }

  get changes(): number {
    return this.#changes;
  }

  /** the cached RKE2 version when the host has not changed since it was read */
  cachedVersion(): { version: string | undefined } | undefined {
    return this.#version !== undefined && this.#version.changes === this.#changes ? { version: this.#version.version } : undefined;
  }

  cacheVersion(version: string | undefined): void {
    this.#version = { changes: this.#changes, version };
  }
}

/** A host as a value: its name, how to reach it, its transport and its own state. */
export interface Host {
  /** the name errors and output use */
  readonly name: string;
  readonly access: HostAccess;
  readonly transport: Transport;
  readonly state: HostState;
}
