import { describe, expect, it } from 'vitest';
import { type RetryPolicy, isRetryableStatus, parseRetryAfter, retryDelayMs, shouldRetry } from './retry.js';

const policy: RetryPolicy = { maxRetries: 2, minWaitMs: 1000, maxWaitMs: 1500, maxRetryAfterMs: 30_000 };

describe('retry decisions (as the Vault Go client)', () => {
  it.each([
    [412, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [501, false],
    [400, false],
    [403, false],
    [404, false],
    [200, false],
  ])('status %i retryable: %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
    expect(shouldRetry({ status }, 0, policy, true)).toBe(expected);
  });

  it('retries network errors, but not TLS failures or an abort', () => {
    expect(shouldRetry({ network: true, tls: false, aborted: false }, 0, policy, true)).toBe(true);
    expect(shouldRetry({ network: true, tls: true, aborted: false }, 0, policy, true)).toBe(false);
    expect(shouldRetry({ network: true, tls: false, aborted: true }, 0, policy, true)).toBe(false);
  });

  it('never repeats a request that is not repeatable (a write without CAS)', () => {
    expect(shouldRetry({ status: 503 }, 0, policy, false)).toBe(false);
    expect(shouldRetry({ network: true, tls: false, aborted: false }, 0, policy, false)).toBe(false);
  });

  it('stops after maxRetries', () => {
    expect(shouldRetry({ status: 429 }, 1, policy, true)).toBe(true);
    expect(shouldRetry({ status: 429 }, 2, policy, true)).toBe(false);
    expect(shouldRetry({ status: 429 }, 0, { ...policy, maxRetries: 0 }, true)).toBe(false);
  });
});

describe('backoff', () => {
  it('is linear jitter: retry n waits n × [min, max]', () => {
    expect(retryDelayMs(1, undefined, policy, () => 0)).toBe(1000);
    expect(retryDelayMs(1, undefined, policy, () => 1)).toBe(1500);
    expect(retryDelayMs(2, undefined, policy, () => 0.5)).toBe(2500);
    expect(retryDelayMs(3, undefined, policy, () => 0)).toBe(3000);
  });

  it('waits at least what Retry-After asks, and gives up when it asks for too long', () => {
    expect(retryDelayMs(1, 5000, policy, () => 0)).toBe(5000);
    expect(retryDelayMs(1, 0, policy, () => 0)).toBe(1000);
    expect(retryDelayMs(1, 31_000, policy, () => 0)).toBeUndefined();
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
