/**
 * Capability checks before a multi-write step: the token's capabilities
 * (sys/capabilities-self) on every path the step writes, so that a step that
 * would be refused half-way fails before its first write instead of leaving a
 * half-registered cluster behind.
 */
import { VaultError, isVaultError } from '../core/vault-errors.js';
import { type VaultRole, adminKubeconfigPath, clusterCapabilityNeeds, kvDataPath, missingCapabilities, policyFix } from '../core/vault-layout.js';
import type { VaultSession } from './vault-session.js';

/**
 * Throw a denied VaultError (exit 5) naming every missing capability of `role`
 * on the cluster's paths. When sys/capabilities-self itself is refused (a token
 * without the default policy) nothing is known, and the step's own writes decide.
 */
export async function requireClusterCapabilities(session: VaultSession, clusterId: string, role: Exclude<VaultRole, 'all'>, what: string): Promise<void> {
  // what the step writes: the role's required needs, not the optional day-2 ones nor the admin kubeconfig (published later, by rke2 kubeconfig --publish)
  const adminPath = kvDataPath(session.config.mount, adminKubeconfigPath(clusterId));
  const needs = clusterCapabilityNeeds(session.config.mount, clusterId, role).filter((n) => n.optional !== true && n.path !== adminPath);
  let granted: Record<string, string[]>;
  try {
    granted = await session.client.capabilitiesSelf(needs.map((n) => n.path));
  } catch (err) {
    if (isVaultError(err, 'denied')) return;
    throw err;
  }
  const missing = needs.map((n) => ({ ...n, capabilities: missingCapabilities(granted[n.path] ?? [], n.capabilities) })).filter((n) => n.capabilities.length > 0);
  if (missing.length === 0) return;
  throw new VaultError('denied', `the Vault token cannot ${what}: its policy lacks ${missing.map((m) => `${m.capabilities.join('+')} on ${m.path} (${m.purpose})`).join('; ')}; nothing was written`, {
    status: 403,
    path: missing[0]?.path,
    hint: `add to the token's policy:\n${policyFix(missing)}\n(edgectl vault check --role ${role} --cluster-id ${clusterId} checks it)`,
  });
}
