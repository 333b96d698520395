/**
 * When and how long the Vault client retries, like the official Go client
 * (hashicorp/vault/api on go-retryablehttp): network errors, 412, 429 and
 * 5xx except 501, with linear jittered backoff, waiting at least what a
 * Retry-After header asks. Requests that change state are retried only when
 * repeating them is safe (a KV write carrying a CAS version). Pure.
 */

export interface RetryPolicy {
  /** retries after the first attempt (VAULT_MAX_RETRIES, default 2) */
  maxRetries: number;
  /** the n-th retry waits n × a random time in [minWaitMs, maxWaitMs] (Go client: 1000–1500 ms) */
  minWaitMs: number;
  maxWaitMs: number;
  /** a Retry-After longer than this ends the retries instead of blocking the run */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_WAIT = { minWaitMs: 1000, maxWaitMs: 1500, maxRetryAfterMs: 30_000 } as const;

/** An attempt's outcome: an HTTP status, or a connection failure (tls: a certificate/handshake failure). */
export type AttemptOutcome = { status: number } | { network: true; tls: boolean; aborted: boolean };

/** HTTP statuses worth another attempt: 412 (standby not caught up), 429, and 5xx except 501 (not implemented / not initialized). */
export function isRetryableStatus(status: number): boolean {
  return status === 412 || status === 429 || (status >= 500 && status !== 501);
}

/**
 * Whether to retry after `retriesSoFar` retries. `repeatable` says whether the
 * request may be sent twice: reads always; writes only with a CAS version
 * (a duplicate then fails the check instead of overwriting).
 */
export function shouldRetry(outcome: AttemptOutcome, retriesSoFar: number, policy: RetryPolicy, repeatable: boolean): boolean {
  if (!repeatable || retriesSoFar >= policy.maxRetries) return false;
  if ('status' in outcome) return isRetryableStatus(outcome.status);
  // a certificate will not verify on the second try; an abort by the operator is final
  return !outcome.tls && !outcome.aborted;
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unparsable. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const v = header.trim();
  if (/^[0-9]+$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * How long to wait before retry number `retry` (1-based): the Go client's
 * linear jitter, n × uniform[min, max], or the Retry-After if that is longer.
 * undefined when Retry-After asks for more than maxRetryAfterMs (give up now).
 */
export function retryDelayMs(retry: number, retryAfterMs: number | undefined, policy: RetryPolicy, random: () => number = Math.random): number | undefined {
  const jitter = (policy.minWaitMs + random() * Math.max(0, policy.maxWaitMs - policy.minWaitMs)) * retry;
  if (retryAfterMs === undefined) return Math.round(jitter);
  if (retryAfterMs > policy.maxRetryAfterMs) return undefined;
  return Math.round(Math.max(jitter, retryAfterMs));
}
