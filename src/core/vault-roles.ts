/**
 * Whether a token serves a role (server, agent, operator), from what
 * sys/capabilities-self grants on one cluster's paths. Pure: the needs come
 * from clusterCapabilityNeeds (the README policies), the grants from Vault.
 */
import { type CapabilityNeed, type VaultRole, missingCapabilities } from './vault-layout.js';

export type ConcreteRole = Exclude<VaultRole, 'all'>;

/** A need the token lacks some capabilities of. */
export type MissingNeed = CapabilityNeed & { missing: readonly string[] };

/** How one role fares: served when no required need is missing. */
export interface RoleVerdict {
  role: ConcreteRole;
  served: boolean;
  /** required needs the token lacks (empty when served) */
  missing: MissingNeed[];
  /** optional needs the token lacks (day-2 commands, a faster list) */
  missingOptional: MissingNeed[];
  /** every required capability, for the pass line */
  capabilities: string[];
}

/** Judge one role's needs against the granted capabilities (path → capabilities). */
export function judgeRole(role: ConcreteRole, needs: readonly CapabilityNeed[], granted: Readonly<Record<string, readonly string[]>>): RoleVerdict {
  const missingOf = (n: CapabilityNeed): MissingNeed => ({ ...n, missing: missingCapabilities(granted[n.path] ?? [], n.capabilities) });
  const required = needs.filter((n) => n.optional !== true);
  const missing = required.map(missingOf).filter((n) => n.missing.length > 0);
  const missingOptional = needs.filter((n) => n.optional === true).map(missingOf).filter((n) => n.missing.length > 0);
  const order = ['create', 'read', 'update', 'patch', 'delete', 'list'];
  const caps = new Set(required.flatMap((n) => n.capabilities));
  return { role, served: missing.length === 0, missing, missingOptional, capabilities: order.filter((c) => caps.has(c)) };
}

/** "create+update on kv/data/rke2/x (purpose); …" for a detail line. */
export function describeMissing(missing: readonly MissingNeed[]): string {
  return missing.map((m) => `${m.missing.join('+')} on ${m.path} (${m.purpose})`).join('; ');
}

/** The README policy each role's stanzas come from, for fix texts. */
export const ROLE_POLICY_NAMES: Readonly<Record<ConcreteRole, string>> = {
  server: 'edgectl-server (and edgectl-server-day2 for day-2 commands)',
  agent: 'edgectl-agent',
  operator: 'edgectl-operator',
};
