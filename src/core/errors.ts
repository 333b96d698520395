/**
 * Error kinds and their exit codes: the one table the error boundary uses.
 * Every failure edgectl reports is an EdgectlError of one of these kinds.
 */

export const EXIT_CODES = {
  ok: 0,
  /** a step failed for a reason not covered below */
  failed: 1,
  /** bad command line: unknown command/flag, malformed value */
  usage: 2,
  /** invalid configuration or unmet precondition on this host */
  precondition: 3,
  /** Vault unreachable, TLS failure, sealed, rate-limited after retries */
  vaultUnavailable: 4,
  /** Vault refused: authentication failed, permission denied, namespace missing */
  vaultDenied: 5,
  /** Vault state does not allow the action: not found, CAS conflict, wrong KV version */
  vaultState: 6,
  /** a host or script step failed */
  hostStep: 7,
  /** a trust check failed: server CA does not match the token */
  trust: 8,
  /** a join code was refused: already used, expired, revoked, forged, or bound elsewhere */
  joinCode: 9,
  /** internal error: a bug in edgectl */
  internal: 70,
  /** interrupted by a signal (Ctrl-C) */
  interrupted: 130,
} as const;

export type ErrorKind = Exclude<keyof typeof EXIT_CODES, 'ok'>;

export interface ErrorDetails {
  /** what the operator should do next */
  hint?: string;
  /** the step that failed, e.g. "vault login" or "install rke2" */
  step?: string;
  /** the host the step ran on */
  host?: string;
  /** the underlying error, for --debug output only */
  cause?: unknown;
}

/** A failure with a kind (→ exit code), a one-line message and an optional hint. */
export class EdgectlError extends Error {
  readonly kind: ErrorKind;
  readonly hint: string | undefined;
  readonly step: string | undefined;
  readonly host: string | undefined;

  constructor(kind: ErrorKind, message: string, details: ErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'EdgectlError';
    this.kind = kind;
    this.hint = details.hint;
    this.step = details.step;
    this.host = details.host;
  }

  get exitCode(): number {
    return EXIT_CODES[this.kind];
  }
}

/**
 * The same error, naming the host it happened on (EdgectlError's fields are
 * readonly, so this is a copy: same kind, message, hint, step and cause).
 */
export function withHost(err: EdgectlError, host: string): EdgectlError {
  const copy = new EdgectlError(err.kind, err.message, { hint: err.hint, step: err.step, host, cause: err.cause });
  if (err.stack !== undefined) copy.stack = err.stack;
  return copy;
}

/** Shorthand for a usage error (exit 2). */
export function usageError(message: string, hint?: string): EdgectlError {
  return new EdgectlError('usage', message, hint === undefined ? {} : { hint });
}

/** Exit code for anything thrown: EdgectlError by kind, everything else is internal. */
export function exitCodeFor(err: unknown): number {
  return err instanceof EdgectlError ? err.exitCode : EXIT_CODES.internal;
}
