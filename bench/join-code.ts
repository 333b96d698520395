/**
 * Benchmark 5: the join-code path next to the plain AppRole path, in the same run and
 * against the same OpenBao (dev server, in-memory storage), for N hosts at once.
 *
 * - plain: each host logs in with a role ID and a (shared, multi-use) secret ID and reads
 *   the cluster (what `rke2 agent --cluster-id` does with VAULT_ROLE_ID/VAULT_SECRET_ID);
 * - join code: each host holds its own single-use code (minted by `edgectl rke2 join-code`)
 *   and does what `--join-code-file` does before the host changes: look the wrapping token
 *   up (genuine, unused), unwrap it, log in with the unwrapped secret ID, read the cluster.
 *
 * The Vault calls are the real adapters through the same ports the command uses
 * (app/vault-session.ts sessionFor, the AppRole port); the code file and the session file
 * are left out, since N hosts in one process would share this machine's /etc/edgectl.
 */
import { sessionFor } from '../src/app/vault-session.js';
import { parseJoinCode } from '../src/core/join-code.js';
import { Secret } from '../src/core/secret.js';
import { runEdgectl, testContext } from '../test/support/context.js';
import { enableKv, startOpenBao } from '../test/support/openbao.js';
import { clusterFixture, configFrom, rootEnv, vaultFrom } from '../test/support/vault.js';
import { median, percentile } from './stats.js';

export interface JoinCodeRow {
  hosts: number;
  path: 'plain AppRole' | 'join code';
  successes: number;
  attempts: number;
  p50Ms: number;
  p99Ms: number;
  wallMs: number;
  failures: string[];
}

export async function benchJoinCode(sizes: readonly number[] = [50, 200], rounds = 3, log: (l: string) => void = () => undefined): Promise<JoinCodeRow[]> {
  const bao = await startOpenBao();
  const admin = vaultFrom(rootEnv(bao));
  try {
    await enableKv(bao, 'kv', 2);
    const clusterId = 'rke2-benchjc1';
    await admin.registry.registerCluster(clusterFixture(clusterId));
    const setup = await runEdgectl(['vault', 'setup', '--cluster-id', clusterId], { env: rootEnv(bao) });
    if (setup.code !== 0) throw new Error(`vault setup failed: ${setup.stderr}`);
    // the plain path's credential: the cluster's own agent role, one secret ID every host shares
    const roleId = (await bao.api('GET', `auth/approle/role/edgectl-${clusterId}-agent/role-id`)).json.data.role_id as string;
    await bao.api('POST', `auth/approle/role/edgectl-${clusterId}-agent`, { secret_id_num_uses: 0 });
    const shared = (await bao.api('POST', `auth/approle/role/edgectl-${clusterId}-agent/secret-id`, {})).json.data.secret_id as string;
    await bao.api('POST', `auth/approle/role/edgectl-${clusterId}-agent`, { secret_id_num_uses: 1 });
    const plainEnv = { VAULT_ADDR: bao.addr, VAULT_ROLE_ID: roleId, VAULT_SECRET_ID: shared, VAULT_MAX_RETRIES: '5' };
    // as a host with a code has it: an address and no credential (the code brings one)
    const bareConfig = configFrom({ VAULT_ADDR: bao.addr, VAULT_MAX_RETRIES: '5' });

    const rows: JoinCodeRow[] = [];
    for (const n of sizes) {
      for (const path of ['plain AppRole', 'join code'] as const) {
        const p50s: number[] = [];
        const p99s: number[] = [];
        const walls: number[] = [];
        const failures: string[] = [];
        let successes = 0;
        for (let round = 0; round < rounds; round += 1) {
          let codes: string[] = [];
          if (path === 'join code') {
            const minted = await runEdgectl(['rke2', 'join-code', '--cluster-id', clusterId, '--role', 'agent', '--count', String(n), '--ttl', '10m', '--out', '-'], { env: rootEnv(bao) });
            if (minted.code !== 0) throw new Error(`join-code failed: ${minted.stderr}`);
            codes = minted.stdout.trim().split('\n');
          }
          const start = performance.now();
          const latencies = await Promise.all(
            Array.from({ length: n }, async (_, i) => {
              try {
                if (path === 'plain AppRole') {
                  const { ctx } = testContext({ env: plainEnv });
                  const s = await sessionFor(ctx, configFrom(plainEnv));
                  try {
                    await s.registry.readCluster(clusterId);
                  } finally {
                    await s.close();
                  }
                } else {
                  const { ctx } = testContext({ env: {} });
                  const code = parseJoinCode(new Secret(codes[i] ?? ''));
                  const bare = await sessionFor(ctx, bareConfig);
                  let token: Secret;
                  try {
                    const lookup = await bare.approle.lookupWrapping(code.wrapToken);
                    if (lookup === undefined) throw new Error('wrapping token unknown');
                    const unwrapped = await bare.approle.unwrapSecretId(code.wrapToken);
                    if (unwrapped === undefined) throw new Error('unwrap failed');
                    const login = await bare.approle.login(code.approleMount, code.roleId, unwrapped.secretId);
                    if (login.kind !== 'ok') throw new Error(`login refused: ${login.refusal}`);
                    token = login.clientToken;
                  } finally {
                    await bare.close();
                  }
                  const s = await sessionFor(ctx, { ...bareConfig, auth: { method: 'token', source: 'join code', token } });
                  try {
                    await s.registry.readCluster(clusterId);
                  } finally {
                    await s.close();
                  }
                }
                successes += 1;
                return performance.now() - start;
              } catch (e) {
                failures.push(e instanceof Error ? e.message : String(e));
                return undefined;
              }
            }),
          );
          const ok = latencies.filter((x): x is number => x !== undefined);
          walls.push(performance.now() - start);
          p50s.push(ok.length > 0 ? percentile(ok, 50) : Number.NaN);
          p99s.push(ok.length > 0 ? percentile(ok, 99) : Number.NaN);
          log(`  ${n} hosts, ${path}, round ${round + 1}: ${ok.length}/${n} ok, p50 ${Math.round(percentile(ok, 50))} ms`);
        }
        rows.push({ hosts: n, path, successes, attempts: n * rounds, p50Ms: median(p50s), p99Ms: median(p99s), wallMs: median(walls), failures: [...new Set(failures)].slice(0, 5) });
      }
    }
    return rows;
  } finally {
    await admin.client.close();
    await bao.stop();
  }
}
