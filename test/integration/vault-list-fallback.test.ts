/**
 * `cluster list` without the detailed-metadata grant (one LIST, then each
 * cluster's metadata read concurrently), through the bundled CLI against a
 * real OpenBao: the right clusters, and no MaxListenersExceededWarning on
 * stderr (concurrent requests must not pile abort listeners on the run's
 * signal). Its speed is measured in bench/cluster-list.ts, not asserted here.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mapBounded } from '../../src/core/concurrency.js';
import { type OpenBao, enableKv, startOpenBao } from '../support/openbao.js';
import { PROJECT_ROOT } from '../support/paths.js';
import { clusterFixture, rootEnv, tokenWithPolicy, vaultFrom } from '../support/vault.js';

let bao: OpenBao;

function bundledCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'dist/edgectl.cjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

beforeAll(async () => {
  bao = await startOpenBao();
  await enableKv(bao, 'kv', 2);
  const v = vaultFrom(rootEnv(bao));
  try {
    await mapBounded(Array.from({ length: 300 }, (_, i) => `lst-${String(i).padStart(5, '0')}`), 32, (id) => v.registry.registerCluster(clusterFixture(id)));
  } finally {
    await v.client.close();
  }
});
afterAll(async () => {
  await bao?.stop();
});

describe('cluster list without list on detailed-metadata', () => {
  it('lists every cluster per cluster, with no MaxListenersExceededWarning on stderr', async () => {
    const token = await tokenWithPolicy(bao, 'list-per-cluster', 'path "kv/metadata/rke2/*" { capabilities = ["read", "list"] }');
    const env = { PATH: process.env.PATH, VAULT_ADDR: bao.addr, VAULT_TOKEN: token, EDGECTL_DEBUG: '1' };
    const run = await bundledCli(['cluster', 'list', '-o', 'json'], env);
    expect(run.code, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as { clusters: unknown[] }).clusters).toHaveLength(300);
    expect(run.stderr).toContain('detailed-metadata LIST unavailable'); // the fallback really ran
    expect(run.stderr).not.toContain('MaxListenersExceededWarning');
  });
});
