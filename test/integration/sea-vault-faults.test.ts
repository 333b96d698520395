/**
 * Vault faults through the artifact hosts run: the single executable
 * (dist/edgectl-linux-x64), beside the bundle run by node. Every retry path
 * sleeps, and the executable once crashed there with "A dynamic import
 * callback was not specified" (exit 70) while the bundle retried fine. Real
 * OpenBao throughout: down, sealed, 403, 429 with Retry-After (through the
 * fault proxy), TLS with the wrong CA. The full server/agent join through the
 * executable is in sea.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { type OpenBao, enableKv, freePort, startOpenBao } from '../support/openbao.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { type ExecResult, exec } from '../support/sim-host.js';
import { clusterFixture, tempDir, tokenWithPolicy, vaultFrom } from '../support/vault.js';

const SEA = join(PROJECT_ROOT, 'dist/edgectl-linux-x64');
const BUNDLE = join(PROJECT_ROOT, 'dist/edgectl.cjs');

let bao: OpenBao;
let sealed: OpenBao;
let tls: OpenBao;
let proxy: FaultProxy;
let home: ReturnType<typeof tempDir>;
let wrongCa: string;

type Env = Record<string, string>;
/** a clean environment: no VAULT_* from the test runner, a HOME without ~/.vault-token */
const baseEnv = (): Env => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home.path, NO_COLOR: '1' });
const runSea = (args: string[], env: Env): Promise<ExecResult> => exec(SEA, args, { env: { ...baseEnv(), ...env } });
const runBundle = (args: string[], env: Env): Promise<ExecResult> => exec(process.execPath, [BUNDLE, ...args], { env: { ...baseEnv(), ...env } });

/** Run the executable and the bundle with the same input; both must exit `code`, never 70. */
async function both(args: string[], env: Env, code: number): Promise<{ sea: ExecResult; bundle: ExecResult }> {
  const sea = await runSea(args, env);
  const bundle = await runBundle(args, env);
  for (const [name, r] of [['executable', sea], ['bundle', bundle]] as const) {
    expect(r.stderr, `${name}: ${args.join(' ')}`).not.toContain('internal error');
    expect(r.stderr, `${name}: ${args.join(' ')}`).not.toContain('dynamic import');
    expect(r.code, `${name}: ${args.join(' ')}\n${r.stderr}`).toBe(code);
  }
  return { sea, bundle };
}

beforeAll(async () => {
  if (!existsSync(SEA) || !existsSync(BUNDLE)) {
    const r = spawnSync('npm', ['run', 'build:sea'], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`npm run build:sea failed:\n${r.stderr}`);
  }
  home = tempDir('edgectl-sea-faults-');
  [bao, sealed, tls] = await Promise.all([startOpenBao(), startOpenBao(), startOpenBao({ tls: true })]);
  const other = await startOpenBao({ tls: true });
  wrongCa = join(home.path, 'other-ca.pem');
  copyFileSync(other.caFile ?? '', wrongCa);
  await other.stop();
  for (const b of [bao, sealed]) {
    await enableKv(b, 'kv', 2);
    const seed = vaultFrom({ VAULT_ADDR: b.addr, VAULT_TOKEN: b.rootToken });
    await seed.registry.registerCluster(clusterFixture('rke2-seaflt01'));
    await seed.client.close();
  }
  await sealed.api('PUT', 'sys/seal');
  proxy = await startFaultProxy(bao.addr);
}, 120_000);
afterAll(async () => {
  await proxy?.close();
  await Promise.all([bao?.stop(), sealed?.stop(), tls?.stop()]);
  home?.cleanup();
});

describe('the executable rides the retry paths as the bundle does', () => {
  it('Vault down (closed port): cluster list, vault check and rke2 server --dry-run exit 4 after retrying', async () => {
    const env = { VAULT_ADDR: `http://127.0.0.1:${await freePort()}`, VAULT_TOKEN: 'root-not-used', VAULT_MAX_RETRIES: '1' };
    const list = await both(['cluster', 'list'], env, 4);
    expect(list.sea.stderr).toContain('cannot reach Vault');
    expect(list.sea.stderr).toContain('(after 1 retry)');
    await both(['vault', 'check'], env, 4);
    await both(['rke2', 'server', '--dry-run'], env, 4);
  });

  it('a sealed Vault: exit 4, reported as sealed', async () => {
    const env = { VAULT_ADDR: sealed.addr, VAULT_TOKEN: sealed.rootToken, VAULT_MAX_RETRIES: '1' };
    const show = await both(['cluster', 'show', 'rke2-seaflt01'], env, 4);
    expect(show.sea.stderr).toContain('is sealed');
    await both(['cluster', 'list'], env, 4);
    await both(['vault', 'check'], env, 4);
  });

  it('403 from a token whose policy covers another cluster only: exit 5, permission denied', async () => {
    const token = await tokenWithPolicy(bao, 'sea-other', 'path "kv/data/rke2/rke2-other001" { capabilities = ["read"] }');
    const r = await both(['cluster', 'show', 'rke2-seaflt01'], { VAULT_ADDR: bao.addr, VAULT_TOKEN: token }, 5);
    expect(r.sea.stderr).toMatch(/permission denied|not allowed/i);
  });

  it('429 with Retry-After: waits, retries, and succeeds (exit 0)', async () => {
    const env = { VAULT_ADDR: proxy.url, VAULT_TOKEN: bao.rootToken, VAULT_MAX_RETRIES: '3' };
    for (const run of [runSea, runBundle]) {
      proxy.reset();
      proxy.inject({ name: '429', match: (r) => r.url.includes('/rke2-seaflt01'), times: 1, action: { kind: 'status', status: 429, headers: { 'Retry-After': '1' } } });
      const r = await run(['cluster', 'show', 'rke2-seaflt01', '-o', 'json'], env);
      expect(r.stderr).not.toContain('internal error');
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as { id: string }).id).toBe('rke2-seaflt01');
      expect(proxy.requests.filter((q) => q.fault === '429')).toHaveLength(1);
    }
  });

  it('TLS with another CA: exit 4, says TLS, no retries', async () => {
    const r = await both(['cluster', 'list'], { VAULT_ADDR: tls.addr, VAULT_TOKEN: tls.rootToken, VAULT_CACERT: wrongCa }, 4);
    expect(r.sea.stderr).toMatch(/TLS|certificate/);
  });
});
