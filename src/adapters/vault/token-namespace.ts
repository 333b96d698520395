/**
 * A token used outside its namespace: Vault accepts lookup-self with it but
 * refuses everything under the configured namespace (a missing mount, a 403),
 * which reads like a wrong mount or policy. lookup-self's namespace_path names
 * the real cause.
 */
import type { VaultClient } from './client.js';
import { VaultError } from '../../core/vault-errors.js';

/**
 * The refusal (reason auth, exit 5) when a token of namespace `tokenNamespace`
 * (lookup-self's namespace_path, "" for root, "team-b/" otherwise) cannot work
 * in `configured` (VAULT_NAMESPACE): the token's namespace must be it, a parent
 * of it, or (for mounts of child namespaces, "site-1/kv") a child of it.
 */
export function tokenNamespaceRefusal(tokenNamespace: string, configured: string | undefined): VaultError | undefined {
  const token = tokenNamespace.replace(/^\/+|\/+$/g, '');
  const ns = configured ?? '';
  if (token === '' || token === ns || ns.startsWith(`${token}/`) || ns === '' || token.startsWith(`${ns}/`)) return undefined;
  return new VaultError('auth', `the Vault token belongs to namespace "${token}/", which is not "${ns}" nor a parent of it: Vault refuses it there`, {
    path: 'auth/token/lookup-self',
    hint: `set VAULT_NAMESPACE=${token} (or --vault-namespace ${token}) to use it where it belongs, or log in to namespace ${ns} (bao login -namespace=${ns})`,
  });
}

/** Look the run's token up and return the refusal when it belongs to an unrelated namespace; undefined when it fits or cannot be looked up. */
export async function checkTokenNamespace(client: VaultClient): Promise<VaultError | undefined> {
  if (client.config.namespace === undefined) return undefined;
  const self = await client.lookupSelf().catch(() => undefined);
  return self === undefined ? undefined : tokenNamespaceRefusal(self.namespacePath, client.config.namespace);
}
