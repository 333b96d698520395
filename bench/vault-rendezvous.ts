/**
 * Benchmark 3: Vault as the rendezvous under load. N agents (N = 50, 200, 500)
 * start at the same moment and each reads the same cluster's join token the
 * way `edgectl rke2 agent` does: its own Vault session (src/app/vault-session.ts,
 * so its own client and connection pool, src/adapters/vault/client.ts), an
 * AppRole login, then registry.readCluster (src/adapters/vault/clusters.ts). Reported per
 * N: successes, retries the client needed, p50/p99 time-to-token, and the wall
 * time until the last agent had its token. One process plays every agent, so
 * the clients and the OpenBao dev server (in-memory storage) share this
 * machine's cores.
 */
import { Secret } from '../src/core/secret.js';
import { openVault } from '../src/app/vault-session.js';
import { testContext } from '../test/support/context.js';
import { enableKv, startOpenBao } from '../test/support/openbao.js';
import { rootEnv, vaultFrom } from '../test/support/vault.js';
import { agentAppRole } from './approle.js';
import { median, percentile } from './stats.js';

export interface RendezvousRow {
  agents: number;
  rounds: number;
  successes: number;
  attempts: number;
  retries: number;
  /** medians over the rounds of each round's p50 / p99 / wall time */
  p50Ms: number;
  p99Ms: number;
  wallMs: number;
  failures: string[];
}

/** For each N, `rounds` rounds of N concurrent agents reading one cluster's token. */
export async function benchRendezvous(sizes: readonly number[] = [50, 200, 500], rounds = 3, log: (l: string) => void = () => undefined): Promise<RendezvousRow[]> {
  const bao = await startOpenBao();
  const admin = vaultFrom(rootEnv(bao));
  try {
    await enableKv(bao, 'kv', 2);
    const clusterId = 'rke2-bench001';
    const token = 'K10' + 'ab'.repeat(32) + '::server:rendezvous-bench-secret';
    await admin.registry.registerCluster({
      id: clusterId,
      token: new Secret(token),
      server: 'https://10.0.0.10:9345',
      state: 'ready',
      createdAt: new Date(),
      hostname: 'srv-1',
      ip: '10.0.0.10',
      rke2Version: 'v1.30.1+rke2r1',
    });
    const { roleId, secretId } = await agentAppRole(bao);
    const env = { VAULT_ADDR: bao.addr, VAULT_ROLE_ID: roleId, VAULT_SECRET_ID: secretId, EDGECTL_DEBUG: '1' };

    const rows: RendezvousRow[] = [];
    for (const n of sizes) {
      const p50s: number[] = [];
      const p99s: number[] = [];
      const walls: number[] = [];
      let successes = 0;
      let retries = 0;
      const failures: string[] = [];
      for (let round = 0; round < rounds; round += 1) {
        const agents = Array.from({ length: n }, () => testContext({ env }));
        const start = performance.now();
        const latencies = await Promise.all(
          agents.map(async ({ ctx, err }) => {
            const session = await openVault(ctx, {});
            try {
              const record = await session.registry.readCluster(clusterId);
              if (record.token.reveal() !== token) throw new Error('wrong token');
              successes += 1;
              return performance.now() - start;
            } catch (e) {
              failures.push(e instanceof Error ? e.message : String(e));
              return undefined;
            } finally {
              await session.close();
              retries += (err.text.match(/; retry \d+\//g) ?? []).length;
            }
          }),
        );
        const ok = latencies.filter((x): x is number => x !== undefined);
        walls.push(performance.now() - start);
        p50s.push(ok.length > 0 ? percentile(ok, 50) : Number.NaN);
        p99s.push(ok.length > 0 ? percentile(ok, 99) : Number.NaN);
        log(`  ${n} agents, round ${round + 1}: ${ok.length}/${n} ok, p50 ${Math.round(percentile(ok, 50))} ms, p99 ${Math.round(percentile(ok, 99))} ms`);
      }
      rows.push({ agents: n, rounds, successes, attempts: n * rounds, retries, p50Ms: median(p50s), p99Ms: median(p99s), wallMs: median(walls), failures: [...new Set(failures)].slice(0, 5) });
    }
    return rows;
  } finally {
    await admin.client.close();
    await bao.stop();
  }
}
