/**
 * TLS to a real OpenBao (dev server with its own CA): VAULT_CACERT and
 * VAULT_CAPATH trusted, a wrong CA and the system store refused (exit 4, not
 * retried), VAULT_TLS_SERVER_NAME for the certificate name, VAULT_SKIP_VERIFY
 * with a warning, and unreadable TLS files as configuration errors.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/core/secret.js';
import { runEdgectl } from '../support/context.js';
import { type OpenBao, enableKv, startOpenBao } from '../support/openbao.js';
import { rootEnv, tempDir, vaultFrom } from '../support/vault.js';

let bao: OpenBao;
let otherCa: OpenBao;
let dir: ReturnType<typeof tempDir>;
let caFile: string;
let wrongCaFile: string;

beforeAll(async () => {
  [bao, otherCa] = await Promise.all([startOpenBao({ tls: true }), startOpenBao({ tls: true })]);
  dir = tempDir('edgectl-tls-');
  // copy the CAs: the servers' cert directories go away when they stop
  caFile = join(dir.path, 'ca.pem');
  wrongCaFile = join(dir.path, 'other-ca.pem');
  copyFileSync(bao.caFile ?? '', caFile);
  copyFileSync(otherCa.caFile ?? '', wrongCaFile);
  await otherCa.stop();
  await enableKv(bao, 'kv', 2);
  const seed = vaultFrom(rootEnv(bao, { VAULT_CACERT: caFile }));
  await seed.registry.registerCluster({
    id: 'rke2-tls00001',
    token: new Secret('K10x::server:tls-joinsecret'),
    server: 'https://10.0.0.1:9345',
    createdAt: new Date('2026-03-04T05:06:07Z'),
    hostname: 'srv-1',
    ip: '10.0.0.1',
    rke2Version: 'v1.30.1+rke2r1',
  });
  await seed.client.close();
});
afterAll(async () => {
  await bao?.stop();
  dir?.cleanup();
});

const list = (env: Record<string, string>) => runEdgectl(['cluster', 'list', '-o', 'json'], { env: rootEnv(bao, env) });

describe('TLS', () => {
  it('trusts the CA in VAULT_CACERT (and BAO_CACERT)', async () => {
    for (const env of [{ VAULT_CACERT: caFile }, { BAO_CACERT: caFile }] as Array<Record<string, string>>) {
      const run = await list(env);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).clusters.map((c: { id: string }) => c.id)).toEqual(['rke2-tls00001']);
    }
  });

  it('trusts a CA directory in VAULT_CAPATH', async () => {
    const cas = join(dir.path, 'cas');
    mkdirSync(cas);
    copyFileSync(wrongCaFile, join(cas, 'a-other.pem'));
    copyFileSync(caFile, join(cas, 'b-vault.pem'));
    const run = await list({ VAULT_CAPATH: cas });
    expect(run.code).toBe(0);
  });

  it('refuses a server signed by another CA: exit 4, says TLS and what to set, no retries', async () => {
    const v = vaultFrom(rootEnv(bao, { VAULT_CACERT: wrongCaFile }));
    try {
      await expect(v.client.health()).rejects.toMatchObject({ reason: 'tls', exitCode: 4 });
      expect(v.client.stats.retries).toBe(0);
    } finally {
      await v.client.close();
    }
    const run = await list({ VAULT_CACERT: wrongCaFile });
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(new RegExp(`TLS connection to Vault at ${bao.addr} failed: [A-Z_]+: .*certificate`));
    expect(run.stderr).toContain('hint: set VAULT_CACERT (or VAULT_CAPATH) to the CA that signed the Vault certificate');
    // -o json failures print the error object on stdout (issue 10.11), nothing else
    expect(JSON.parse(run.stdout)).toMatchObject({ error: { kind: 'vaultUnavailable', exit_code: 4 }, completed_steps: [] });
  });

  it('refuses the dev CA when only the system store is trusted', async () => {
    const run = await list({});
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('TLS connection to Vault');
  });

  it('checks the certificate against VAULT_TLS_SERVER_NAME', async () => {
    expect((await list({ VAULT_CACERT: caFile, VAULT_TLS_SERVER_NAME: 'localhost' })).code).toBe(0);
    const wrong = await list({ VAULT_CACERT: caFile, VAULT_TLS_SERVER_NAME: 'vault.wrong.example' });
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate/);
    // the setting wins over the host in the address (localhost is in the certificate; the override is not)
    const byName = bao.addr.replace('127.0.0.1', 'localhost');
    expect((await list({ VAULT_ADDR: byName, VAULT_CACERT: caFile })).code).toBe(0);
    expect((await list({ VAULT_ADDR: byName, VAULT_CACERT: caFile, VAULT_TLS_SERVER_NAME: 'vault.wrong.example' })).code).toBe(4);
  });

  it('VAULT_SKIP_VERIFY connects without verification, with a warning', async () => {
    const run = await list({ VAULT_SKIP_VERIFY: 'true' });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('warning: TLS certificate verification is disabled (VAULT_SKIP_VERIFY)');
  });

  it('says so when the address says http but the server speaks https', async () => {
    const run = await runEdgectl(['cluster', 'list'], { env: rootEnv(bao, { VAULT_ADDR: bao.addr.replace('https:', 'http:') }) });
    expect(run.code).toBe(4);
    expect(run.stderr).toContain('speaks https, but the address says http');
  });

  it('reports unreadable TLS files and a half-configured client certificate as configuration errors (exit 3)', async () => {
    const missing = await list({ VAULT_CACERT: join(dir.path, 'nope.pem') });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(`VAULT_CACERT: cannot read ${join(dir.path, 'nope.pem')}: ENOENT`);
    const half = await list({ VAULT_CACERT: caFile, VAULT_CLIENT_CERT: caFile });
    expect(half.code).toBe(3);
    expect(half.stderr).toContain('VAULT_CLIENT_CERT and VAULT_CLIENT_KEY must be set together');
  });
});
