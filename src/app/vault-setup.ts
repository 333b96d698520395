/**
 * `edgectl vault setup [--cluster-id ID]`: make Vault ready for edgectl,
 * idempotently. The KV v2 mount and the AppRole auth method when missing, the
 * operator and bootstrap policies, and per cluster its server and agent
 * policies and AppRole roles. Everything is read first and compared; only what
 * is missing or different is written, each write through the plan gate with
 * the exact call as its description, so `--dry-run` lists exactly those calls.
 * Vault has no check-and-set on policies or roles: read, compare, write when
 * different. A KV v1 mount (or another engine) at the path is refused, never
 * converted or overwritten.
 */
import type { VaultFlags } from '../core/command-options.js';
import type { OutputFormat } from '../core/command-options.js';
import { usageError } from '../core/errors.js';
import { appRoleSpec } from '../core/approle-settings.js';
import { JOIN_ROLES } from '../core/join-code.js';
import type { VaultAdmin } from '../core/ports.js';
import { DEFAULT_APPROLE_MOUNT, type VaultConfig } from '../core/vault-config.js';
import { mountProblem } from '../core/vault-layout.js';
import { basePolicies, clusterPolicies } from '../core/vault-policies.js';
import { type Context, writeJson, writeOut } from './context.js';
import { type Step, runPlan } from './plan.js';
import { type SetupItem, describeItem } from './vault-setup-items.js';
import { type MountsSeen, enableKvMountStep } from './phases/enable-kv-mount.js';
import { enableApproleAuthStep } from './phases/enable-approle-auth.js';
import { writeApproleRolesStep } from './phases/write-approle-roles.js';
import { writePoliciesStep } from './phases/write-policies.js';
import { requireVaultConfig } from './vault-session.js';

export interface VaultSetupInput {
  clusterId: string | undefined;
  /** --approle-mount; else EDGECTL_VAULT_APPROLE_MOUNT, else approle */
  approleMount: string | undefined;
  dryRun: boolean;
  output: OutputFormat;
  vault: VaultFlags;
}

export type { SetupItem, SetupStatus } from './vault-setup-items.js';

/** The AppRole auth mount: the flag, else EDGECTL_VAULT_APPROLE_MOUNT, else approle (usage error when malformed). */
export function resolveApproleMount(env: Readonly<Record<string, string | undefined>>, flag: string | undefined): string {
  const [raw, source] = flag !== undefined ? [flag, '--approle-mount'] : env.EDGECTL_VAULT_APPROLE_MOUNT !== undefined && env.EDGECTL_VAULT_APPROLE_MOUNT !== '' ? [env.EDGECTL_VAULT_APPROLE_MOUNT, 'EDGECTL_VAULT_APPROLE_MOUNT'] : [DEFAULT_APPROLE_MOUNT, 'default'];
  const mount = raw.replace(/^\/+|\/+$/g, '');
  const problem = mountProblem(mount);
  if (problem !== undefined) throw usageError(`invalid AppRole auth mount ${JSON.stringify(raw.slice(0, 80))} (${source}): ${problem}`);
  return mount;
}

/** Run `vault setup`: the plan (text or JSON) with --dry-run, else the changes and what was found unchanged. */
export async function runVaultSetup(ctx: Context, input: VaultSetupInput): Promise<void> {
  const config = requireVaultConfig(ctx, input.vault);
  const approleMount = resolveApproleMount(ctx.env, input.approleMount);
  const { client, admin } = await ctx.vault.connect(ctx, config);
  try {
    const items: SetupItem[] = [];
    const steps = setupSteps(admin, config, approleMount, input.clusterId, items);
    const facts = {
      address: config.address,
      namespace: config.namespace ?? null,
      mount: config.mount,
      approle_mount: approleMount,
      cluster_id: input.clusterId ?? null,
    };
    const where = `${config.address}${config.namespace === undefined ? '' : `, namespace ${config.namespace}`}`;
    const results = await runPlan(ctx, {
      dryRun: input.dryRun,
      output: input.output,
      header: `Plan for edgectl vault setup (${where}${input.clusterId === undefined ? '' : `, cluster ${input.clusterId}`}):`,
      json: facts,
      steps,
    });
    if (results === undefined) return;
    const changed = items.some((i) => i.status !== 'unchanged');
    if (input.output === 'json') {
      writeJson(ctx, { dry_run: false, ...facts, changed, items, steps: results });
      return;
    }
    const lines = items.map((i) => `${i.status}: ${describeItem(i)}${i.role_id === undefined || i.role_id === null ? '' : ` (role ID ${i.role_id})`}`);
    const n = items.filter((i) => i.status !== 'unchanged').length;
    lines.push(changed ? `Vault is set up for edgectl at ${where}: ${n} change${n === 1 ? '' : 's'}` : `nothing changed: Vault at ${where} was already set up for edgectl`);
    writeOut(ctx, lines.join('\n'));
  } finally {
    await client.close();
  }
}

/** The ordered steps; preflight reads the mount tables and refuses a wrong engine at either path before anything changes. */
export function setupSteps(admin: VaultAdmin, config: VaultConfig, approleMount: string, clusterId: string | undefined, items: SetupItem[]): Step[] {
  const mount = config.mount;
  const inNs = config.namespace === undefined ? '' : ` in namespace ${config.namespace}`;
  const seen: MountsSeen = {};
  const steps: Step[] = [
    enableKvMountStep(admin, { mount, inNs }, seen, items),
    enableApproleAuthStep(admin, { approleMount, inNs }, seen, items),
    writePoliciesStep(admin, 'vault-policies', 'Operator and bootstrap policies', basePolicies(mount), items),
  ];
  if (clusterId !== undefined) {
    steps.push(writePoliciesStep(admin, 'vault-cluster-policies', `Policies of cluster ${clusterId}`, clusterPolicies(mount, clusterId), items));
    // a dry run before the auth method exists reads no role under it: there is none
    steps.push(writeApproleRolesStep(admin, approleMount, clusterId, JOIN_ROLES.map((r) => appRoleSpec(clusterId, r)), items, () => seen.auth === undefined));
  }
  return steps;
}
