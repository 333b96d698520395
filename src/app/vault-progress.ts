/**
 * Progress for a Vault call that may hang: nothing while it answers quickly;
 * after a second a step line ("waiting for Vault at … to answer") and then a
 * line every few seconds with the elapsed time and the most it can take
 * (VAULT_CLIENT_TIMEOUT per attempt, VAULT_MAX_RETRIES retries), so a Vault
 * that never answers is never a silent wait of minutes.
 */
import type { VaultConfig } from '../core/vault-config.js';
import type { Context, StepHandle } from './context.js';

/** When the first progress line appears, and how often it is repeated (ms). */
export const PROGRESS_TIMING = { firstAfterMs: 1000, everyMs: 5000 } as const;

/** Run a Vault call, showing progress on stderr only when it is slow. */
export async function withVaultProgress<T>(ctx: Context, config: VaultConfig, what: string, call: () => Promise<T>): Promise<T> {
  const started = ctx.clock.monotonicMs();
  let step: StepHandle | undefined;
  const attempts = config.maxRetries + 1;
  const perAttempt = formatSeconds(config.timeoutMs);
  const tell = (): void => {
    const waited = formatSeconds(ctx.clock.monotonicMs() - started);
    step?.update(`no answer yet after ${waited} (up to ${perAttempt} per attempt, ${attempts} attempt${attempts === 1 ? '' : 's'}: VAULT_CLIENT_TIMEOUT, VAULT_MAX_RETRIES)`);
  };
  let repeat: ReturnType<typeof setInterval> | undefined;
  const first = setTimeout(() => {
    step = ctx.ui.step(`waiting for Vault at ${config.address} to answer (${what})`);
    tell();
    repeat = setInterval(tell, PROGRESS_TIMING.everyMs);
    repeat.unref();
  }, PROGRESS_TIMING.firstAfterMs);
  first.unref();
  try {
    const result = await call();
    step?.done('answered');
    return result;
  } catch (err) {
    step?.fail('no usable answer');
    throw err;
  } finally {
    clearTimeout(first);
    if (repeat !== undefined) clearInterval(repeat);
  }
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`;
}
