/**
 * `edgectl vault check`: is the Vault side ready for edgectl? Reachability,
 * seal state, namespace, login, the KV v2 mount and the token's capabilities on
 * rke2/*, each a pass/fail line with the fix. Later checks that depend on a
 * failed one are skipped, not guessed.
 */
import { type VaultConfig, resolveVaultConfig } from '../adapters/vault/config.js';
import { isVaultError } from '../adapters/vault/errors.js';
import { Kv2 } from '../adapters/vault/kv2.js';
import type { VaultFlags } from '../core/command-options.js';
import { EdgectlError, type ErrorKind } from '../core/errors.js';
import { type VaultRole, clusterCapabilityNeeds, missingCapabilities, policyFix } from '../core/vault-layout.js';
import { type Context, writeJson, writeOut } from './context.js';
import { clientFor } from './vault-session.js';

export interface VaultCheckInput {
  clusterId: string | undefined;
  /** whose capabilities to check (default all: create, read, update, list on rke2/*) */
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
  const skip = (names: Array<CheckResult['name']>, why: string): void => {
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
    skip(rest, 'needs a valid configuration');
    return report(ctx, input, undefined, undefined, checks, firstFailure);
  }

  const client = clientFor(ctx, config);
  try {
    let health;
    try {
      health = await client.health();
      add({ name: 'reachable', status: 'pass', detail: `${config.address} answers (version ${health.version}${health.standby ? ', standby node' : ''})`, fix: null });
    } catch (err) {
      fail('reachable', err);
      skip(rest.slice(1), 'needs a reachable Vault');
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
      skip(rest.slice(2), 'needs an unsealed Vault');
      return report(ctx, input, config, client.describeAuth(), checks, firstFailure);
    }
    add({ name: 'unsealed', status: 'pass', detail: 'initialized and unsealed', fix: null });

    let authed = false;
    try {
      const self = await client.lookupSelf();
      if (config.namespace !== undefined) add({ name: 'namespace', status: 'pass', detail: `namespace ${config.namespace} exists`, fix: null });
      const ttl = self.ttl === 0 ? 'no expiry' : `expires in ${formatTtl(self.ttl)}`;
      add({ name: 'auth', status: 'pass', detail: `${client.describeAuth()}: policies ${self.policies.join(', ') || '(none)'}; ${ttl}`, fix: null });
      authed = true;
    } catch (err) {
      if (config.namespace !== undefined) {
        if (isVaultError(err, 'namespace')) {
          fail('namespace', err);
          skip(['auth', 'kv-mount', 'capabilities'], 'needs the namespace');
          return report(ctx, input, config, client.describeAuth(), checks, firstFailure);
        }
        add({ name: 'namespace', status: 'pass', detail: `namespace ${config.namespace} exists`, fix: null });
      }
      fail('auth', err);
    }
    if (!authed) {
      skip(['kv-mount', 'capabilities'], 'needs a valid login');
      return report(ctx, input, config, client.describeAuth(), checks, firstFailure);
    }

    const kv = new Kv2(client, config.mount);
    try {
      await kv.ensureV2();
      add({ name: 'kv-mount', status: 'pass', detail: `${config.mount}/ is a KV version 2 mount`, fix: null });
    } catch (err) {
      fail('kv-mount', err);
    }

    const clusterId = input.clusterId ?? SAMPLE_CLUSTER_ID;
    const needs = clusterCapabilityNeeds(config.mount, clusterId, input.role);
    try {
      const granted = await client.capabilitiesSelf(needs.map((n) => n.path));
      const missing = needs
        .map((n) => ({ ...n, capabilities: missingCapabilities(granted[n.path] ?? [], n.capabilities) }))
        .filter((n) => n.capabilities.length > 0);
      const where = input.clusterId === undefined ? `rke2/* (probed with ${clusterId})` : `cluster ${clusterId}`;
      if (missing.length === 0) {
        const caps = [...new Set(needs.flatMap((n) => n.capabilities))].join(', ');
        add({ name: 'capabilities', status: 'pass', detail: `${input.role === 'all' ? '' : `${input.role}: `}${caps} on ${where}`, fix: null });
      } else {
        add(
          {
            name: 'capabilities',
            status: 'fail',
            detail: `the token's policy lacks ${missing.map((m) => `${m.capabilities.join('+')} on ${m.path} (${m.purpose})`).join('; ')}`,
            fix: `add to the token's policy:\n${policyFix(missing)}`,
          },
          'vaultDenied',
        );
      }
    } catch (err) {
      fail('capabilities', err);
    }
    return report(ctx, input, config, client.describeAuth(), checks, firstFailure);
  } finally {
    await client.close();
  }
}

function report(ctx: Context, input: VaultCheckInput, config: VaultConfig | undefined, auth: string | undefined, checks: CheckResult[], firstFailure: ErrorKind | undefined): void {
  const failed = checks.filter((c) => c.status === 'fail');
  if (input.output === 'json') {
    const json: VaultCheckJson = {
      ok: failed.length === 0,
      address: config?.address ?? null,
      namespace: config?.namespace ?? null,
      mount: config?.mount ?? null,
      auth: auth ?? null,
      warnings: config?.warnings ?? [],
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
