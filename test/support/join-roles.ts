/**
 * The per-cluster AppRole roles and policies of join codes, written the way an
 * operator writes them: `edgectl vault setup --cluster-id ID` (in-process, with
 * the root token), so the join-code tests run against exactly what setup makes.
 */
import { runEdgectl } from './context.js';
import type { OpenBao } from './openbao.js';

/** `edgectl vault setup --cluster-id ID` in the root namespace or the given one. */
export async function createJoinRoles(bao: OpenBao, clusterId: string, opts: { namespace?: string } = {}): Promise<void> {
  const env = { VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken, ...(opts.namespace === undefined ? {} : { VAULT_NAMESPACE: opts.namespace }) };
  const r = await runEdgectl(['vault', 'setup', '--cluster-id', clusterId], { env });
  if (r.code !== 0) throw new Error(`edgectl vault setup --cluster-id ${clusterId} failed (exit ${r.code}): ${r.stderr}`);
}
