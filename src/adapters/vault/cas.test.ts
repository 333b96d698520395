import { describe, expect, it } from 'vitest';
import { VaultError } from '../../core/vault-errors.js';
import { casWrite } from './cas.js';

/** A KvStore write that loses the check-and-set `conflicts` times, then lands at version 7. */
function flakyWrite(conflicts: number): { write: (path: string, data: Record<string, unknown>, opts: { cas: number }) => Promise<{ version: number }>; calls: number[] } {
  const calls: number[] = [];
  return {
    calls,
    write: async (_path, _data, opts) => {
      calls.push(opts.cas);
      if (calls.length <= conflicts) throw new VaultError('cas-conflict', 'kv says conflict', { status: 400, path: 'kv/data/x' });
      return { version: 7 };
    },
  };
}

describe('casWrite: check-and-set written once', () => {
  it('writes at the cas the attempt read and makes the result from the new version', async () => {
    const kv = flakyWrite(0);
    await expect(casWrite(kv, 'x', () => ({ kind: 'write', data: {}, cas: 3, result: (v) => `v${v}` }))).resolves.toBe('v7');
    expect(kv.calls).toEqual([3]);
  });

  it('writes nothing when the attempt says done', async () => {
    const kv = flakyWrite(0);
    await expect(casWrite(kv, 'x', () => ({ kind: 'done', value: 'same' }))).resolves.toBe('same');
    expect(kv.calls).toEqual([]);
  });

  it('retries a conflict from a fresh attempt while attempts are left', async () => {
    const kv = flakyWrite(2);
    let reads = 0;
    const r = await casWrite(kv, 'x', () => ({ kind: 'write', data: {}, cas: (reads += 1), result: (v) => v }), { attempts: 3 });
    expect(r).toBe(7);
    expect(kv.calls).toEqual([1, 2, 3]);
  });

  it('gives up after the last attempt with the store\'s own error', async () => {
    const kv = flakyWrite(5);
    const err = await casWrite(kv, 'x', () => ({ kind: 'write', data: {}, cas: 1, result: (v) => v }), { attempts: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VaultError);
    expect((err as VaultError).message).toBe('kv says conflict');
    expect(kv.calls).toHaveLength(3);
  });

  it('a lost conflict becomes the caller\'s message and hint, keeping status and path; no retry by default', async () => {
    const kv = flakyWrite(1);
    const err = await casWrite(kv, 'x', () => ({ kind: 'write', data: {}, cas: 0, result: (v) => v }), { conflict: { message: 'cluster c already exists', hint: 'join it' } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'cas-conflict', message: 'cluster c already exists', hint: 'join it', status: 400, path: 'kv/data/x' });
    expect(kv.calls).toEqual([0]);
  });

  it('passes other errors through at once', async () => {
    const boom = new VaultError('denied', 'no');
    const kv = { write: async () => Promise.reject(boom) };
    await expect(casWrite(kv, 'x', () => ({ kind: 'write', data: {}, cas: 0, result: (v) => v }), { attempts: 3 })).rejects.toBe(boom);
  });
});
