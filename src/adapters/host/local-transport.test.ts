import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Secret } from '../../core/secret.js';
import { localHost, localTransport } from './local-transport.js';

const dir = mkdtempSync(join(tmpdir(), 'edgectl-transport-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const t = localTransport();
const PATH = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

describe('local transport', () => {
  it('runs an argv with the secret on stdin only: not in argv, not in the environment', async () => {
    const r = await t.run(['bash', '--norc', '--noprofile', '-c', 'read -r s; printf "%s|%s|%s" "${#s}" "$*" "$(env | grep -c tok-123 || true)"', 'probe'], { stdinSecret: new Secret('tok-123'), env: PATH });
    expect(r).toEqual({ exitCode: 0, stdout: '7||0', stderrTail: [] });
  });

  it('an argv is never a shell string: metacharacters reach the command as data', async () => {
    const marker = join(dir, 'injected');
    const r = await t.run(['printf', '%s', `x; touch ${marker}`], { env: PATH });
    expect(r.stdout).toBe(`x; touch ${marker}`);
    expect(() => statSync(marker)).toThrow();
  });

  it('reports exit codes and the stderr tail, and streams stderr lines', async () => {
    const seen: string[] = [];
    const r = await t.run(['bash', '--norc', '--noprofile', '-c', 'echo one >&2; echo two >&2; exit 7'], { env: PATH, onStderrLine: (l) => seen.push(l) });
    expect(r.exitCode).toBe(7);
    expect(r.stderrTail).toEqual(['one', 'two']);
    expect(seen).toEqual(['one', 'two']);
  });

  it('resolves on exit even when a background child keeps stdout open', async () => {
    const r = await t.run(['bash', '--norc', '--noprofile', '-c', 'sleep 30 & echo started'], { env: PATH });
    expect(r).toMatchObject({ exitCode: 0, stdout: 'started\n' });
  });

  it('abort stops the command (exit 128+15)', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const r = await t.run(['sleep', '30'], { env: PATH, signal: ac.signal });
    expect(r.exitCode).toBe(143);
  });

  it('puts files atomically with their mode, secrets included, and reads a token file as a Secret', async () => {
    const p = join(dir, 'sub', 'token');
    await t.putFile(p, new Secret('K10abc::server:pw'), 0o600);
    expect(statSync(p).mode & 0o777).toBe(0o600);
    expect(readFileSync(p, 'utf8')).toBe('K10abc::server:pw');
    const s = await t.readSecretFile(p);
    expect(s).toBeInstanceOf(Secret);
    expect(String(s)).toBe('[redacted]');
    expect(s?.reveal()).toBe('K10abc::server:pw');
    expect(await t.readSecretFile(join(dir, 'absent'))).toBeUndefined();
    writeFileSync(join(dir, 'empty'), '\n');
    expect(await t.readSecretFile(join(dir, 'empty'))).toBeUndefined();
    expect(await t.remove(p)).toBe(true);
    expect(await t.remove(p)).toBe(false);
  });

  it('a local host carries its own state: the version cache is per host and goes stale on change', () => {
    const a = localHost('a');
    const b = localHost('b');
    a.state.cacheVersion('v1.30.1+rke2r1');
    expect(a.state.cachedVersion()).toEqual({ version: 'v1.30.1+rke2r1' });
    expect(b.state.cachedVersion()).toBeUndefined();
    a.state.markChanged();
    expect(a.state.cachedVersion()).toBeUndefined();
  });
});
