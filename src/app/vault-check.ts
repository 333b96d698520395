/**
 * `edgectl vault check`: is the Vault side ready for edgectl? Reachability,
 * seal state, namespace, login, the KV v2 mount and the token's capabilities on
 * rke2/*, each a pass/fail line with the fix. Later checks that depend on a
 * failed one are skipped, not guessed.
 */
import { type VaultConfig, resolveVaultConfig } from '../core/vault-config.js';
import { isVaultError } from '../core/vault-errors.js';
import { tokenNamespaceRefusal } from '../core/token-namespace.js';
import type { VaultClientPort } from '../core/ports.js';
import type { VaultFlags } from '../core/command-options.js';
import { EdgectlError, type ErrorKind } from '../core/errors.js';
import { CONCRETE_VAULT_ROLES, type VaultRole, clusterCapabilityNeeds, policyFix } from '../core/vault-layout.js';
import { type ConcreteRole, ROLE_POLICY_NAMES, type RoleVerdict, describeMissing, judgeRole } from '../core/vault-roles.js';
import { type Context, writeJson, writeOut } from './context.js';
import { withVaultProgress } from './vault-progress.js';
import { deleteVersionAfterWarnings } from './vault-retention.js';

export interface VaultCheckInput {
  clusterId: string | undefined;
  /** whose capabilities to check; all (the default): each role, passing when the token serves at least one */
  role: VaultRole;
  output: 'text' | 'json';
  vault: VaultFlags;
}

export type CheckStatus = 'pass' | 'fail' | 'skip';

/** One line of the report (also the --output json shape of each check). */
export interface CheckResult {
  name: 'config' | 'reachable' | 'unsealed' | 'namespace' | 'auth' | 'kv-mount' | 'capabilities';
  status: CheckStatus;
  detail: string;
  fix: string | null;
}

/** The --output json shape of `vault check`. */
export interface VaultCheckJson {
  ok: boolean;
  address: string | null;
  namespace: string | null;
  mount: string | null;
  auth: string | null;
  warnings: string[];
  /** per role checked (server, agent, operator): does the token serve it; null when the capabilities were not checked */
  roles: Record<string, boolean> | null;
  checks: CheckResult[];
}

/** A sample ID for the capability probe when no --cluster-id is given: a policy for rke2/* covers it. */
export const SAMPLE_CLUSTER_ID = 'rke2-00000000';

/** Run every check, print the report, and fail (with the first failure's exit code) when any check failed. */
export async function runVaultCheck(ctx: Context, input: VaultCheckInput): Promise<void> {
  const checks: CheckResult[] = [];
  let firstFailure: ErrorKind | undefined;
  const add = (c: CheckResult, kind?: ErrorKind): void => {
    checks.push(c);
    if (c.status === 'fail' && firstFailure === undefined) firstFailure = kind ?? 'failed';
  };
  const fail = (name: CheckResult['name'], err: unknown): void => {
    if (!(err instanceof EdgectlError)) throw err;
    add({ name, status: 'fail', detail: err.message, fix: err.hint ?? null }, err.kind);
  };
  const skipChecks = (names: Array<CheckResult['name']>, why: string): void => {
    for (const name of names) add({ name, status: 'skip', detail: why, fix: null });
  };

  let config: VaultConfig | undefined;
  try {
    config = resolveVaultConfig(ctx.env, input.vault, ctx.homeDir, ctx.ui);
    if (config === undefined) {
      add({ name: 'config', status: 'fail', detail: 'no Vault address is configured', fix: 'set VAULT_ADDR (or BAO_ADDR) or pass --vault-addr' }, 'precondition');
    } else {
      add({ name: 'config', status: 'pass', detail: `${config.address} (from ${config.addressSource}), mount ${config.mount}/${config.namespace === undefined ? '' : `, namespace ${config.namespace}`}`, fix: null });
    }
  } catch (err) {
    fail('config', err);
  }
  const rest: Array<CheckResult['name']> = ['reachable', 'unsealed', ...(config?.namespace !== undefined ? (['namespace'] as const) : []), 'auth', 'kv-mount', 'capabilities'];
  if (config === undefined) {
    skipChecks(rest, 'needs a valid configuration');
    return report(ctx, input, undefined, undefined, checks, firstFailure);
  }

  const { client, kv } = await ctx.vault.connect(ctx, config);
  let roles: Record<string, boolean> | null = null;
  try {
    let health;
    try {
      health = await withVaultProgress(ctx, config, 'sys/health', () => client.health());
      add({ name: 'reachable', status: 'pass', detail: `${config.address} answers (version ${health.version}${nodeState(health)})`, fix: null });
    } catch (err) {
      fail('reachable', err);
      skipChecks(rest.slice(1), 'needs a reachable Vault');
      return report(ctx, input, config, client.describeAuth(), checks, firstFailure);
    }
    if (!health.initialized || health.sealed) {
      add(
        {
          name: 'unsealed',
          status: 'fail',
          detail: health.initialized ? `Vault at ${config.address} is sealed` : `Vault at ${config.address} is not initialized`,
          fix: health.initialized ? 'unseal it: bao operator unseal (with the unseal keys), or fix auto-unseal' : 'initialize it: bao operator init',
        },
        'vaultUnavailable',
      );
      skipChecks(rest.slice(2), 'needs an unsealed Vault');
      return report(ctx, input, config, client.describeAuth(), checks, firstFailure);
    }
    add({ name: 'unsealed', status: 'pass', detail: 'initialized and unsealed', fix: null });

    let authed = false;
    try {
      const self = await withVaultProgress(ctx, config, 'auth/token/lookup-self', () => client.lookupSelf());
      if (config.namespace !== undefined) add({ name: 'namespace', status: 'pass', detail: `namespace ${config.namespace} exists`, fix: null });
      const wrongNamespace = tokenNamespaceRefusal(self.namespacePath, config.namespace);
      if (wrongNamespace !== undefined) fail('auth', wrongNamespace);
      else {
        const ttl = self.ttl === 0 ? 'no expiry' : `expires in ${formatTtl(self.ttl)}`;
        add({ name: 'auth', status: 'pass', detail: `${client.describeAuth()}: policies ${self.policies.join(', ') || '(none)'}; ${ttl}`, fix: null });
        authed = true;
      }
    } catch (err) {
      if (config.namespace !== undefined) {
        if (isVaultError(err, 'namespace')) {
          fail('namespace', err);
          skipChecks(['auth', 'kv-mount', 'capabilities'], 'needs the namespace');
          return report(ctx, input, config, client.describeAuth(), checks, firstFailure);
        }
        add({ name: 'namespace', status: 'pass', detail: `namespace ${config.namespace} exists`, fix: null });
      }
      fail('auth', err);
    }
    if (!authed) {
      skipChecks(['kv-mount', 'capabilities'], 'needs a valid login');
      return report(ctx, input, config, client.describeAuth(), checks, firstFailure);
    }

    try {
      await withVaultProgress(ctx, config, `sys/internal/ui/mounts/${config.mount}`, () => kv.ensureV2());
      add({ name: 'kv-mount', status: 'pass', detail: `${config.mount}/ is a KV version 2 mount`, fix: null });
      for (const w of await deleteVersionAfterWarnings(kv, input.clusterId).catch(() => [])) {
        ctx.ui.warn(w);
        config.warnings.push(w);
      }
    } catch (err) {
      fail('kv-mount', err);
    }

    try {
      const result = await withVaultProgress(ctx, config, 'sys/capabilities-self', () => checkRoles(client, config.mount, input));
      roles = result.roles;
      add(result.check, result.check.status === 'fail' ? 'vaultDenied' : undefined);
    } catch (err) {
      fail('capabilities', err);
    }
    return report(ctx, input, config, client.describeAuth(), checks, firstFailure, roles);
  } finally {
    await client.close();
  }
}

function report(
  ctx: Context,
  input: VaultCheckInput,
  config: VaultConfig | undefined,
  auth: string | undefined,
  checks: CheckResult[],
  firstFailure: ErrorKind | undefined,
  roles: Record<string, boolean> | null = null,
): void {
  const failed = checks.filter((c) => c.status === 'fail');
  if (input.output === 'json') {
    const json: VaultCheckJson = {
      ok: failed.length === 0,
      address: config?.address ?? null,
      namespace: config?.namespace ?? null,
      mount: config?.mount ?? null,
      auth: auth ?? null,
      warnings: config?.warnings ?? [],
      roles,
      checks,
    };
    writeJson(ctx, json);
  } else {
    const width = Math.max(...checks.map((c) => c.name.length));
    const lines: string[] = [];
    for (const c of checks) {
      lines.push(`${c.status.toUpperCase()}  ${c.name.padEnd(width)}  ${c.detail}`);
      if (c.fix !== null) for (const [i, l] of c.fix.split('\n').entries()) lines.push(`${' '.repeat(width + 8)}${i === 0 ? 'fix: ' : '     '}${l}`);
    }
    writeOut(ctx, lines.join('\n'));
  }
  if (failed.length > 0) {
    throw new EdgectlError(firstFailure ?? 'failed', `${failed.length} of ${checks.length} Vault checks failed (first: ${failed[0]?.name ?? '?'})`);
  }
}

function formatTtl(seconds: number): string {
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  if (seconds < 172_800) return `${Math.round(seconds / 3600)}h`;
  return `${Math.round(seconds / 86_400)}d`;
}

/**
 * The capabilities check: each role asked for (all: server, agent and
 * operator) against what its README policy grants on the cluster's paths, in
 * one sys/capabilities-self call. One role: pass when the token serves it.
 * all: pass when the token serves at least one role (a token normally holds one
 * role's policy), naming the roles it serves; when it serves none, the fix asks
 * for --role. Fixes only ever suggest the lines of the README policy of the
 * role asked for.
 */
async function checkRoles(client: VaultClientPort, mount: string, input: VaultCheckInput): Promise<{ check: CheckResult; roles: Record<string, boolean> }> {
  const clusterId = input.clusterId ?? SAMPLE_CLUSTER_ID;
  const asked: ConcreteRole[] = input.role === 'all' ? [...CONCRETE_VAULT_ROLES] : [input.role];
  const needs = new Map(asked.map((role) => [role, clusterCapabilityNeeds(mount, clusterId, role)]));
  const paths = [...new Set([...needs.values()].flat().map((n) => n.path))];
  const granted = await client.capabilitiesSelf(paths);
  const verdicts = asked.map((role) => judgeRole(role, needs.get(role) ?? [], granted));
  const roles = Object.fromEntries(verdicts.map((v) => [v.role, v.served]));
  const where = input.clusterId === undefined ? `rke2/* (probed with ${clusterId})` : `cluster ${clusterId}`;
  const served = verdicts.filter((v) => v.served);
  const unserved = verdicts.filter((v) => !v.served);

  if (input.role !== 'all') {
    const v = verdicts[0] as RoleVerdict;
    if (v.served) {
      const optional = v.missingOptional.length === 0 ? null : `optional, add to the token's policy for what it lacks:\n${policyFix(v.missingOptional.map(stanza))}`;
      const lacking = v.missingOptional.length === 0 ? '' : `; without ${describeMissing(v.missingOptional)}`;
      return { roles, check: { name: 'capabilities', status: 'pass', detail: `${v.role}: ${v.capabilities.join(', ')} on ${where}${lacking}`, fix: optional } };
    }
    return { roles, check: { name: 'capabilities', status: 'fail', detail: `${v.role}: the token's policy lacks ${describeMissing(v.missing)}`, fix: roleFix(v, input.clusterId) } };
  }
  if (served.length > 0) {
    const others = unserved.length === 0 ? '' : `; not ${unserved.map((v) => v.role).join(', ')} (see what they lack with --role ROLE${input.clusterId === undefined ? ' --cluster-id ID' : ''})`;
    return { roles, check: { name: 'capabilities', status: 'pass', detail: `serves ${served.map((v) => v.role).join(', ')} on ${where}${others}`, fix: null } };
  }
  return {
    roles,
    check: {
      name: 'capabilities',
      status: 'fail',
      detail: `the token serves none of ${asked.join(', ')} on ${where}: ${unserved.map((v) => `${v.role} lacks ${describeMissing(v.missing)}`).join('; ')}`,
      // no stanzas here: which role the token is for is the operator's choice, and the
      // lines of another role's policy (a server's write access to every cluster) are no fix for an agent
      fix: `check the role this token is for, to get the lines of that role's README policy it lacks: edgectl vault check --role server|agent|operator${input.clusterId === undefined ? ' [--cluster-id ID] (an agent needs --cluster-id)' : ` --cluster-id ${input.clusterId}`}`,
    },
  };
}

const stanza = (m: { policyPath: string; missing: readonly string[] }): { policyPath: string; capabilities: readonly string[] } => ({ policyPath: m.policyPath, capabilities: m.missing });

/** The fix for one role: its README stanzas the token lacks; an agent's policy names its cluster, so without --cluster-id ask for it instead. */
function roleFix(v: RoleVerdict, clusterId: string | undefined): string {
  if (v.role === 'agent' && clusterId === undefined) {
    return `agent: its policy (${ROLE_POLICY_NAMES.agent}) names its cluster: check it with --cluster-id ID`;
  }
  return `${v.role}: add (from ${ROLE_POLICY_NAMES[v.role]}):\n${policyFix(v.missing.map(stanza))}`;
}

/** ", sealed" or ", standby node" for the reachable line: a sealed node also reports standby, and calling it one misleads. */
function nodeState(health: { sealed: boolean; initialized: boolean; standby: boolean }): string {
  if (!health.initialized) return ', not initialized';
  if (health.sealed) return ', sealed';
  return health.standby ? ', standby node' : '';
}
