/**
 * Until `edgectl vault setup` lands: the per-cluster AppRole roles and
 * policies it will write, made with the root token (same names, same TTLs,
 * single-use secret IDs). Tests only; the lead switches callers to `vault setup`.
 */
import { appRoleName, clusterPolicyName } from '../../src/core/join-code.js';
import type { OpenBao } from './openbao.js';

/** The README's agent policy, narrowed to one cluster. */
export function agentPolicy(clusterId: string, kv = 'kv'): string {
  return `
path "${kv}/data/rke2/${clusterId}"             { capabilities = ["read"] }
path "${kv}/data/rke2/${clusterId}/nodes/*"     { capabilities = ["create", "read", "update"] }
path "${kv}/metadata/rke2/${clusterId}"         { capabilities = ["read"] }
path "${kv}/metadata/rke2/${clusterId}/nodes/*" { capabilities = ["list", "delete"] }
`;
}

/** The README's server + server-day2 policies, narrowed to one cluster. */
export function serverPolicy(clusterId: string, kv = 'kv'): string {
  return `
path "${kv}/data/rke2/${clusterId}"           { capabilities = ["create", "read", "update"] }
path "${kv}/data/rke2/${clusterId}/*"         { capabilities = ["create", "read", "update"] }
path "${kv}/metadata/rke2/${clusterId}"       { capabilities = ["read", "patch", "delete"] }
path "${kv}/metadata/rke2/${clusterId}/*"     { capabilities = ["patch"] }
path "${kv}/metadata/rke2/${clusterId}/nodes/*" { capabilities = ["list", "delete", "patch"] }
path "${kv}/data/rke2-admin/${clusterId}/*"   { capabilities = ["create", "read", "update"] }
path "${kv}/metadata/rke2-admin/${clusterId}/*" { capabilities = ["delete"] }
`;
}

/** Enable AppRole (once) and write the cluster's server and agent roles and policies. */
export async function createJoinRoles(bao: OpenBao, clusterId: string, opts: { namespace?: string } = {}): Promise<void> {
  const ns = opts.namespace === undefined ? {} : { namespace: opts.namespace };
  const auths = await bao.api('GET', 'sys/auth', undefined, ns);
  if (auths.json.data?.['approle/'] === undefined && auths.json['approle/'] === undefined) await bao.api('POST', 'sys/auth/approle', { type: 'approle' }, ns);
  for (const role of ['agent', 'server'] as const) {
    const policy = clusterPolicyName(clusterId, role);
    await bao.api('PUT', `sys/policies/acl/${policy}`, { policy: role === 'agent' ? agentPolicy(clusterId) : serverPolicy(clusterId) }, ns);
    await bao.api('POST', `auth/approle/role/${appRoleName(clusterId, role)}`, {
      token_policies: [policy],
      token_ttl: '15m',
      token_max_ttl: '1h',
      secret_id_num_uses: 1,
      secret_id_ttl: '24h',
      bind_secret_id: true,
    }, ns);
  }
}
