/**
 * A token used outside its namespace: Vault accepts lookup-self with it but
 * refuses everything under the configured namespace (a missing mount, a 403),
 * which reads like a wrong mount or policy. lookup-self's namespace_path names
 * the real cause.
 */
import type { VaultClient } from './client.js';
import type { VaultError } from '../../core/vault-errors.js';
import { tokenNamespaceRefusal } from '../../core/token-namespace.js';

export { tokenNamespaceRefusal };

/** Look the run's token up and return the refusal when it belongs to an unrelated namespace; undefined when it fits or cannot be looked up. */
export async function checkTokenNamespace(client: VaultClient): Promise<VaultError | undefined> {
  if (client.config.namespace === undefined) return undefined;
  const self = await client.lookupSelf().catch(() => undefined);
  return self === undefined ? undefined : tokenNamespaceRefusal(self.namespacePath, client.config.namespace);
}
