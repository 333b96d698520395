/** A token used outside its namespace, told from lookup-self's namespace_path (pure). */
import { VaultError } from './vault-errors.js';

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
