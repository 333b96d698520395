/**
 * Failures against a real OpenBao: a sealed server, a rate-limit quota whose
 * 429s the retries absorb, and, through a fault-injecting proxy in front of
 * the real server, 5xx/412/501 answers, dropped connections, Retry-After,
 * lost responses to CAS writes, writes without CAS never repeated, 307
 * redirects (same host: followed with the token; another host: never given
 * the token), unreachable and silent servers, and Ctrl-C.
 */
import { type Server, type Socket, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultError } from '../../src/core/vault-errors.js';
import type { NewCluster } from '../../src/core/cluster-records.js';
import { runEdgectl } from '../support/context.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { type OpenBao, enableKv, freePort, startOpenBao } from '../support/openbao.js';
import { FAST_RETRY, type TestVault, rootEnv, vaultFrom, clusterFixture, rejection } from '../support/vault.js';

const cluster = (id: string): NewCluster => clusterFixture(id);

let bao: OpenBao;
let proxy: FaultProxy;
const opened: TestVault[] = [];
/** a client through the proxy (fast backoff unless told otherwise) */
const viaProxy = (env: Record<string, string> = {}, fast = true): TestVault => {
  const v = vaultFrom(rootEnv(bao, { VAULT_ADDR: proxy.url, ...env }), fast ? { retryWait: FAST_RETRY } : {});
  opened.push(v);
  return v;
};
const onPath = (fragment: string, method?: string) => (r: { method: string; url: string }) => r.url.includes(fragment) && (method === undefined || r.method === method);
const hits = (fragment: string, method?: string): number => proxy.requests.filter(onPath(fragment, method)).length;

beforeAll(async () => {
  bao = await startOpenBao();
  await enableKv(bao, 'kv', 2);
  proxy = await startFaultProxy(bao.addr);
  const seed = vaultFrom(rootEnv(bao));
  for (const id of ['rke2-flt00001', 'rke2-flt00002']) await seed.registry.registerCluster(cluster(id));
  await seed.client.close();
});
afterAll(async () => {
  for (const v of opened) await v.client.close();
  await proxy?.close();
  await bao?.stop();
});

describe('retries (through a fault-injecting proxy in front of real OpenBao)', () => {
  it('absorbs 503, 502, 412 and a dropped connection on reads', async () => {
    const v = viaProxy();
    for (const action of [{ kind: 'status', status: 503 }, { kind: 'status', status: 502 }, { kind: 'status', status: 412 }, { kind: 'reset' }] as const) {
      proxy.reset();
      proxy.inject({ name: 'flaky', match: onPath('/metadata/rke2/rke2-flt00001'), times: 2, action });
      const meta = await v.kv.readMetadata('rke2/rke2-flt00001');
      expect(meta?.currentVersion).toBe(1);
      expect(hits('/metadata/rke2/rke2-flt00001')).toBe(3); // 2 failures + 1 success
    }
  });

  it('gives up after VAULT_MAX_RETRIES and says so (a sealed standby answer → sealed, exit 4)', async () => {
    const v = viaProxy({ VAULT_MAX_RETRIES: '2' });
    proxy.reset();
    proxy.inject({ name: 'sealed', match: onPath('/data/rke2/rke2-flt00001'), times: 3, action: { kind: 'status', status: 503, body: { errors: ['Vault is sealed'] } } });
    const err = await rejection(v.registry.readCluster('rke2-flt00001'));
    expect(err.reason).toBe('sealed');
    expect(err.exitCode).toBe(4);
    expect(err.message).toBe(`Vault at ${proxy.url} is sealed (after 2 retries)`);
    expect(hits('/data/rke2/rke2-flt00001')).toBe(3);
  });

  it('does not retry 501 or 4xx', async () => {
    const v = viaProxy();
    proxy.reset();
    proxy.inject({ name: '501', match: onPath('/metadata/rke2/rke2-flt00001'), action: { kind: 'status', status: 501 } });
    expect((await rejection(v.kv.readMetadata('rke2/rke2-flt00001'))).status).toBe(501);
    expect(hits('/metadata/rke2/rke2-flt00001')).toBe(1);
    proxy.inject({ name: '400', match: onPath('/metadata/rke2/rke2-flt00001'), action: { kind: 'status', status: 400, body: { errors: ['nope'] } } });
    expect((await rejection(v.kv.readMetadata('rke2/rke2-flt00001'))).reason).toBe('bad-request');
    expect(hits('/metadata/rke2/rke2-flt00001')).toBe(2);
  });

  it('waits at least Retry-After, and gives up at once when it asks for too long', async () => {
    const v = viaProxy();
    proxy.reset();
    proxy.inject({ name: '429', match: onPath('/metadata/rke2/rke2-flt00001'), action: { kind: 'status', status: 429, headers: { 'Retry-After': '1' } } });
    const t0 = performance.now();
    expect((await v.kv.readMetadata('rke2/rke2-flt00001'))?.currentVersion).toBe(1);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(950); // the fast backoff alone would be ~30ms
    proxy.inject({ name: '429-long', match: onPath('/metadata/rke2/rke2-flt00001'), action: { kind: 'status', status: 429, headers: { 'Retry-After': '3600' } } });
    const err = await rejection(v.kv.readMetadata('rke2/rke2-flt00001'));
    expect(err.reason).toBe('rate-limited');
    expect(hits('/metadata/rke2/rke2-flt00001')).toBe(3);
  });

  it('retries a CAS write whose response was lost, and recognises its own landed write', async () => {
    const v = viaProxy();
    proxy.reset();
    proxy.inject({ name: 'lost', match: onPath('/data/rke2/rke2-lost0001', 'POST'), action: { kind: 'lose-response', status: 503 } });
    const rec = await v.registry.registerCluster(cluster('rke2-lost0001'));
    expect(rec.version).toBe(1);
    expect(hits('/data/rke2/rke2-lost0001', 'POST')).toBe(2); // the landed one + the retry that hit the CAS check
    expect((await v.registry.readCluster('rke2-lost0001')).token.reveal()).toContain('rke2-lost0001-joinsecret');
  });

  it('never repeats a write without CAS (metadata PATCH, DELETE)', async () => {
    const v = viaProxy();
    proxy.reset();
    proxy.inject({ name: 'patch', match: onPath('/metadata/rke2/rke2-flt00002', 'PATCH'), times: 5, action: { kind: 'status', status: 503 } });
    const err = await rejection(v.kv.patchMetadata('rke2/rke2-flt00002', { custom_metadata: { 'tag.x': 'y' } }));
    expect(err.reason).toBe('unreachable');
    expect(hits('/metadata/rke2/rke2-flt00002', 'PATCH')).toBe(1);
    proxy.inject({ name: 'delete', match: onPath('/metadata/rke2/rke2-flt00002', 'DELETE'), times: 5, action: { kind: 'reset' } });
    expect((await rejection(v.kv.deleteAll('rke2/rke2-flt00002'))).reason).toBe('unreachable');
    expect(hits('/metadata/rke2/rke2-flt00002', 'DELETE')).toBe(1);
    expect(await v.kv.readMetadata('rke2/rke2-flt00002')).toBeDefined();
  });
});

describe('307 standby redirects', () => {
  let other: FaultProxy;
  beforeAll(async () => {
    other = await startFaultProxy(bao.addr); // another origin (port) in front of the same OpenBao
  });
  afterAll(async () => {
    await other?.close();
  });

  it('follows a redirect to the same origin with the token, keeping method and body', async () => {
    const v = viaProxy({ VAULT_NAMESPACE: '' });
    proxy.reset();
    proxy.inject({ name: 'same', match: onPath('/data/rke2/rke2-redir001', 'POST'), action: { kind: 'redirect', location: '/v1/kv/data/rke2/rke2-redir001' } });
    expect((await v.registry.registerCluster(cluster('rke2-redir001'))).version).toBe(1);
    const posts = proxy.requests.filter(onPath('/data/rke2/rke2-redir001', 'POST'));
    expect(posts).toHaveLength(2);
    expect(posts[1]?.headers['x-vault-token']).toBe(bao.rootToken);
  });

  it('never sends the token or namespace to another host: unauthenticated calls work, authenticated ones fail clearly', async () => {
    const v = viaProxy({ VAULT_NAMESPACE: 'team-x' });
    proxy.reset();
    other.reset();
    proxy.inject({ name: 'health', match: onPath('/sys/health'), action: { kind: 'redirect', location: `${other.url}/v1/sys/health?standbyok=true` } });
    expect((await v.client.health()).sealed).toBe(false);
    proxy.inject({ name: 'away', match: onPath('/sys/internal/ui/mounts'), action: { kind: 'redirect', location: `${other.url}/v1/sys/internal/ui/mounts/kv` } });
    const err = await rejection(v.kv.ensureV2());
    expect(err.reason).toBe('denied');
    expect(err.message).toContain(`redirected GET sys/internal/ui/mounts/kv to ${other.url} (a standby pointing at the active node); edgectl does not send the token to another host`);
    expect(err.hint).toContain(`set VAULT_ADDR to ${other.url}`);
    expect(other.requests.length).toBeGreaterThanOrEqual(2);
    for (const r of other.requests) {
      expect(r.headers['x-vault-token']).toBeUndefined();
      expect(r.headers['x-vault-namespace']).toBeUndefined();
    }
  });
});

describe('a rate-limit quota on the real server', () => {
  afterAll(async () => {
    await bao.api('DELETE', 'sys/quotas/rate-limit/edgectl-test', undefined, { allow: [404] });
  });

  it('forces 429s that the retries absorb (default backoff, VAULT_MAX_RETRIES=4)', async () => {
    await bao.api('POST', 'sys/quotas/config', { enable_rate_limit_response_headers: true });
    await bao.api('POST', 'sys/quotas/rate-limit/edgectl-test', { path: 'kv/', rate: 4, interval: '1s' });
    const v = vaultFrom(rootEnv(bao, { VAULT_MAX_RETRIES: '4' }));
    opened.push(v);
    const reads = await Promise.all(Array.from({ length: 8 }, () => v.kv.readMetadata('rke2/rke2-flt00001')));
    expect(reads.every((m) => m?.currentVersion === 1)).toBe(true);
    expect(v.client.stats.retries).toBeGreaterThanOrEqual(4); // at most 4 of 8 fit the first second
    expect(v.debug.some((l) => / → 429; retry 1\/4 in \d+ms/.test(l))).toBe(true);

    // the same burst without retries: some reads are refused, exit 4
    await new Promise((r) => setTimeout(r, 1100));
    const strict = vaultFrom(rootEnv(bao, { VAULT_MAX_RETRIES: '0' }));
    opened.push(strict);
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => strict.kv.readMetadata('rke2/rke2-flt00001')));
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]?.reason).toBeInstanceOf(VaultError);
    expect((refused[0]?.reason as VaultError).reason).toBe('rate-limited');
    expect((refused[0]?.reason as VaultError).exitCode).toBe(4);
  });

  it('edgectl cluster list rides out the quota', async () => {
    await bao.api('POST', 'sys/quotas/rate-limit/edgectl-test', { path: 'kv/', rate: 1, interval: '1s' });
    await new Promise((r) => setTimeout(r, 1100));
    // spend the second's only request, so edgectl's first request under kv/ meets a 429
    await bao.api('GET', 'kv/metadata/rke2/rke2-flt00001');
    const run = await runEdgectl(['cluster', 'list', '-o', 'json'], { env: rootEnv(bao, { EDGECTL_DEBUG: '1', VAULT_MAX_RETRIES: '4' }) });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).clusters.length).toBeGreaterThanOrEqual(2);
    expect(run.stderr).toMatch(/→ 429; retry \d\/4/);
  });
});

describe('unreachable, silent, interrupted', () => {
  let silent: Server;
  let silentPort: number;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    silent = createServer((socket) => {
      // accept and never answer
      sockets.add(socket);
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise((r) => silent.close(r));
  });

  it('a closed port: exit 4, the cause, after the retries', async () => {
    const port = await freePort();
    const v = vaultFrom({ VAULT_ADDR: `http://127.0.0.1:${port}`, VAULT_TOKEN: 't', VAULT_MAX_RETRIES: '1' }, { retryWait: FAST_RETRY });
    opened.push(v);
    const err = await rejection(v.client.health());
    expect(err.reason).toBe('unreachable');
    expect(err.message).toBe(`cannot reach Vault at http://127.0.0.1:${port} (GET sys/health): ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:${port} (after 1 retry)`);
    const run = await runEdgectl(['cluster', 'list'], { env: { VAULT_ADDR: `http://127.0.0.1:${port}`, VAULT_TOKEN: 't', VAULT_MAX_RETRIES: '0' } });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('hint: check VAULT_ADDR');
  });

  it('a server that never answers: VAULT_CLIENT_TIMEOUT, exit 4', async () => {
    const t0 = performance.now();
    const run = await runEdgectl(['cluster', 'list'], { env: { VAULT_ADDR: `http://127.0.0.1:${silentPort}`, VAULT_TOKEN: 't', VAULT_CLIENT_TIMEOUT: '300ms', VAULT_MAX_RETRIES: '0' } });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('no answer within 0.3s');
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  it('vault check against a server that never answers: progress lines while waiting, exit 4, a hint to lower the timeout (issue 10.3)', async () => {
    const addr = `http://127.0.0.1:${silentPort}`;
    const run = await runEdgectl(['vault', 'check'], { env: { VAULT_ADDR: addr, VAULT_TOKEN: 't', VAULT_CLIENT_TIMEOUT: '1500ms', VAULT_MAX_RETRIES: '1' } });
    expect(run.code).toBe(4);
    // non-TTY: plain lines, the first after a second, each with the elapsed time and the most it can take
    expect(run.stderr).toContain(`… waiting for Vault at ${addr} to answer (sys/health)\n`);
    expect(run.stderr).toMatch(/no answer yet after \d+(\.\d)?s \(up to 1\.5s per attempt, 2 attempts: VAULT_CLIENT_TIMEOUT, VAULT_MAX_RETRIES\)/);
    expect(run.stderr).toMatch(/✗ waiting for Vault at .* to answer \(sys\/health\): no usable answer \(\d/);
    expect(run.stdout).toMatch(/^FAIL {2}reachable +cannot reach Vault at .*: no answer within 1\.5s \(after 1 retry\)$/m);
    expect(run.stdout).toContain('lower them to give up sooner');
    expect(run.stdout).not.toContain('raises the timeout');
  });

  it('vault check against a Vault that answers at once prints no progress lines', async () => {
    const run = await runEdgectl(['vault', 'check'], { env: rootEnv(bao) });
    expect(run.code).toBe(0);
    expect(run.stderr).not.toContain('waiting for Vault');
  });

  it('Ctrl-C during a request: exit 130, no retry', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error('interrupted by SIGINT')), 200);
    const run = await runEdgectl(['cluster', 'list'], { env: { VAULT_ADDR: `http://127.0.0.1:${silentPort}`, VAULT_TOKEN: 't' }, signal: ac.signal });
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('interrupted');
  });
});

describe('a sealed server', () => {
  let sealed: OpenBao;
  beforeAll(async () => {
    sealed = await startOpenBao();
    await enableKv(sealed, 'kv', 2);
    const seed = vaultFrom(rootEnv(sealed));
    await seed.registry.registerCluster(cluster('rke2-seal0001'));
    await seed.client.close();
    await sealed.api('PUT', 'sys/seal');
  });
  afterAll(async () => {
    await sealed?.stop();
  });

  it('is reported as sealed (exit 4) after the retries', async () => {
    const v = vaultFrom(rootEnv(sealed, { VAULT_MAX_RETRIES: '1' }), { retryWait: FAST_RETRY });
    opened.push(v);
    const err = await rejection(v.registry.readCluster('rke2-seal0001'));
    expect(err.reason).toBe('sealed');
    expect(err.exitCode).toBe(4);
    expect(err.message).toBe(`Vault at ${sealed.addr} is sealed (after 1 retry)`);
    expect(err.hint).toContain('bao operator unseal');
    const run = await runEdgectl(['cluster', 'show', 'rke2-seal0001'], { env: rootEnv(sealed, { VAULT_MAX_RETRIES: '0' }) });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('is sealed');
  });

  it('vault check: reachable passes, unsealed fails with the fix, the rest is skipped (exit 4)', async () => {
    const run = await runEdgectl(['vault', 'check'], { env: rootEnv(sealed) });
    expect(run.code).toBe(4);
    expect(run.stdout).toMatch(/^PASS {2}reachable/m);
    // issue 10.13: a sealed single node reports standby too; it is called sealed, not a standby node
    expect(run.stdout).toMatch(/^PASS {2}reachable +.* answers \(version [^,)]+, sealed\)$/m);
    expect(run.stdout).not.toContain('standby');
    expect(run.stdout).toMatch(/^FAIL {2}unsealed +Vault at .* is sealed\n +fix: unseal it: bao operator unseal/m);
    for (const name of ['auth', 'kv-mount', 'capabilities']) expect(run.stdout).toMatch(new RegExp(`^SKIP  ${name}`, 'm'));
    expect(run.stderr).toContain('1 of 6 Vault checks failed (first: unsealed)');
  });
});
