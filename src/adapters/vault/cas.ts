/**
 * Check-and-set, written once: every read-modify-write of the registry goes
 * through casWrite. An attempt reads what it needs and decides to write (data
 * at the version it read, 0 for "only if absent") or that nothing is to be
 * written. A cas-conflict (someone wrote in between) starts a fresh attempt
 * while attempts are left (last writer wins); when none is left it is thrown,
 * as the message given for it when there is one.
 */
import type { KvStore } from '../../core/ports.js';
import { VaultError, isVaultError } from '../../core/vault-errors.js';

/** What one attempt decided. */
export type CasAttempt<R> =
  /** write data with check-and-set on cas; result() makes the value from the new version (outside the conflict handling) */
  | { kind: 'write'; data: Record<string, unknown>; cas: number; result: (version: number) => R | Promise<R> }
  /** nothing to write (absent, or already as wanted) */
  | { kind: 'done'; value: R };

export interface CasOptions {
  /** attempts in all (default 1: a conflict is the caller's answer, not retried) */
  attempts?: number;
  /** what the conflict means to the caller, when the last attempt loses */
  conflict?: { message: string; hint: string };
}

/** Run attempts until one writes or decides nothing is to be written. */
export async function casWrite<R>(kv: Pick<KvStore, 'write'>, path: string, attempt: () => CasAttempt<R> | Promise<CasAttempt<R>>, opts: CasOptions = {}): Promise<R> {
  const attempts = opts.attempts ?? 1;
  for (let n = 1; ; n += 1) {
    const step = await attempt();
    if (step.kind === 'done') return step.value;
    let version: number;
    try {
      ({ version } = await kv.write(path, step.data, { cas: step.cas }));
    } catch (err) {
      if (!isVaultError(err, 'cas-conflict')) throw err;
      if (n < attempts) continue;
      if (opts.conflict === undefined) throw err;
      throw new VaultError('cas-conflict', opts.conflict.message, { status: err.status, path: err.path, hint: opts.conflict.hint });
    }
    return step.result(version);
  }
}
