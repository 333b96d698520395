/**
 * The AppRole roles `vault setup --cluster-id` writes, one per cluster and
 * host role: short-lived service tokens holding only that cluster's policy,
 * and single-use secret IDs (what a join code wraps). Pure.
 */
import type { AppRoleSettings } from './ports.js';
import { type JoinRole, appRoleName, clusterPolicyName } from './join-code.js';

/** Token and secret ID limits of every edgectl AppRole role (durations as sent; read back in seconds). */
export const APPROLE_LIMITS = {
  token_ttl: { sent: '15m', seconds: 15 * 60 },
  token_max_ttl: { sent: '1h', seconds: 60 * 60 },
  secret_id_ttl: { sent: '24h', seconds: 24 * 60 * 60 },
  secret_id_num_uses: 1,
} as const;

/** One role to write: its name and the exact body of POST auth/<mount>/role/NAME. */
export interface AppRoleSpec {
  name: string;
  role: JoinRole;
  body: Record<string, unknown>;
}

/** The role spec for a cluster's servers or agents. */
export function appRoleSpec(clusterId: string, role: JoinRole): AppRoleSpec {
  return {
    name: appRoleName(clusterId, role),
    role,
    body: {
      token_policies: [clusterPolicyName(clusterId, role)],
      token_ttl: APPROLE_LIMITS.token_ttl.sent,
      token_max_ttl: APPROLE_LIMITS.token_max_ttl.sent,
      secret_id_num_uses: APPROLE_LIMITS.secret_id_num_uses,
      secret_id_ttl: APPROLE_LIMITS.secret_id_ttl.sent,
      bind_secret_id: true,
      token_type: 'service',
      token_no_default_policy: false,
    },
  };
}

/** The settings of `current` that differ from the spec (empty: the role is as edgectl writes it). */
export function appRoleDifferences(clusterId: string, role: JoinRole, current: AppRoleSettings): string[] {
  const want: AppRoleSettings = {
    token_policies: [clusterPolicyName(clusterId, role)],
    token_ttl: APPROLE_LIMITS.token_ttl.seconds,
    token_max_ttl: APPROLE_LIMITS.token_max_ttl.seconds,
    secret_id_num_uses: APPROLE_LIMITS.secret_id_num_uses,
    secret_id_ttl: APPROLE_LIMITS.secret_id_ttl.seconds,
    bind_secret_id: true,
    token_type: 'service',
    token_no_default_policy: false,
  };
  const differs: string[] = [];
  for (const key of Object.keys(want) as Array<keyof AppRoleSettings>) {
    if (JSON.stringify(current[key]) !== JSON.stringify(want[key])) differs.push(key);
  }
  return differs;
}
