import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EdgectlError } from '../../core/errors.js';
import { createFileExclusive } from './files.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('createFileExclusive', () => {
  it('creates the file with the mode and leaves no temp file', async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgectl-excl-'));
    const path = join(dir, 'a.joincode');
    await createFileExclusive(path, 'secret-text\n', 0o600);
    expect(readFileSync(path, 'utf8')).toBe('secret-text\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['a.joincode']);
  });

  it('never overwrites: an existing name is a precondition error and keeps its content', async () => {
    dir = mkdtempSync(join(tmpdir(), 'edgectl-excl-'));
    const path = join(dir, 'a.joincode');
    writeFileSync(path, 'first', { mode: 0o600 });
    const err = await createFileExclusive(path, 'second', 0o600).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EdgectlError);
    expect((err as EdgectlError).kind).toBe('precondition');
    expect((err as EdgectlError).message).not.toContain('second');
    expect(readFileSync(path, 'utf8')).toBe('first');
    expect(readdirSync(dir)).toEqual(['a.joincode']);
  });
});
