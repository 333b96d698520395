import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EdgectlError } from '../../core/errors.js';
import { readSecretFile } from './secret-file.js';

const dir = mkdtempSync(join(tmpdir(), 'edgectl-secret-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const fileWithMode = (name: string, mode: number, text = 'hvs.secret\n'): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  chmodSync(p, mode);
  return p;
};

async function failure(p: Promise<unknown>): Promise<EdgectlError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof EdgectlError)) throw new Error(`expected an EdgectlError, got ${String(err)}`);
  return err;
}

describe('readSecretFile', () => {
  it('reads a regular file and reports its mode', async () => {
    const p = fileWithMode('ok', 0o600);
    expect(await readSecretFile(p, { what: 'token file' })).toEqual({ text: 'hvs.secret\n', mode: 0o600 });
  });

  it('refuses a FIFO at once (no writer: a plain read would block forever)', async () => {
    const fifo = join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const started = Date.now();
    const err = await failure(readSecretFile(fifo, { what: 'token file' }));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.exitCode).toBe(3);
    expect(err.message).toBe(`token file: ${fifo} is a FIFO (named pipe); it must be a regular file`);
  });

  it('refuses a directory and a device', async () => {
    const d = join(dir, 'd');
    mkdirSync(d);
    expect((await failure(readSecretFile(d, { what: 'x' }))).message).toMatch(/is a directory; it must be a regular file/);
    expect((await failure(readSecretFile('/dev/zero', { what: 'x' }))).message).toMatch(/is a device/);
  });

  it.each([0o700, 0o640, 0o644, 0o660, 0o500])('mode %o is refused where 0600/0400 is the rule', async (mode) => {
    const p = fileWithMode(`m${mode.toString(8)}`, mode);
    const err = await failure(readSecretFile(p, { what: 'token file', modes: [0o600, 0o400] }));
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(`has mode ${mode.toString(8)}; it must be 0600 or 0400`);
  });

  it.each([0o600, 0o400])('mode %o is accepted', async (mode) => {
    const p = fileWithMode(`ok${mode.toString(8)}`, mode);
    expect((await readSecretFile(p, { what: 'token file', modes: [0o600, 0o400] })).mode).toBe(mode);
  });

  it('absent: an error, or undefined with missingOk; the message never carries the content', async () => {
    const p = join(dir, 'nope');
    expect((await failure(readSecretFile(p, { what: 'VAULT_CACERT' }))).message).toBe(`VAULT_CACERT: cannot read ${p}: ENOENT`);
    expect(await readSecretFile(p, { what: 'x', missingOk: true })).toBeUndefined();
    const big = fileWithMode('big', 0o600, 'SECRETPART'.repeat(100));
    const err = await failure(readSecretFile(big, { what: 'x', maxBytes: 10 }));
    expect(err.message).toMatch(/1000 bytes; at most 10/);
    expect(err.message).not.toContain('SECRETPART');
  });

  it('a path with a newline is shown quoted, on one line', async () => {
    const err = await failure(readSecretFile(join(dir, 'a\nb'), { what: 'x' }));
    expect(err.message).not.toContain('\n');
  });
});
