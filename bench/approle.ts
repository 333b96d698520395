/** AppRole login for benchmark agents, set up in an OpenBao as an operator would (README's agent policy). */
import type { OpenBao } from '../test/support/openbao.js';

/** Enable AppRole with an "agent" role holding the README's agent policy for every cluster; returns its credentials. */
export async function agentAppRole(bao: OpenBao, mount = 'kv'): Promise<{ roleId: string; secretId: string }> {
  const policy = `path "${mount}/data/rke2/+" { capabilities = ["read"] }\npath "${mount}/data/rke2/+/nodes/*" { capabilities = ["create", "read", "update"] }\n`;
  await bao.api('PUT', 'sys/policies/acl/edgectl-agent', { policy });
  await bao.api('POST', 'sys/auth/approle', { type: 'approle' });
  // secret_id_num_uses 0: one secret ID shared by every benchmark agent (a real fleet would get one each)
  await bao.api('POST', 'auth/approle/role/agent', { token_policies: ['edgectl-agent'], token_ttl: '10m', secret_id_num_uses: 0 });
  const roleId = (await bao.api('GET', 'auth/approle/role/agent/role-id')).json.data.role_id as string;
  const secretId = (await bao.api('POST', 'auth/approle/role/agent/secret-id', {})).json.data.secret_id as string;
  return { roleId, secretId };
}
