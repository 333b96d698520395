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
import { type AppRoleSpec, appRoleDifferences, appRoleSpec } from '../core/approle-settings.js';
import { JOIN_ROLES } from '../core/join-code.js';
import type { VaultAdmin, VaultMountEntry } from '../core/ports.js';
import { DEFAULT_APPROLE_MOUNT, type VaultConfig } from '../core/vault-config.js';
import { VaultError } from '../core/vault-errors.js';
import { mountProblem } from '../core/vault-layout.js';
import { type PolicyDocument, basePolicies, clusterPolicies } from '../core/vault-policies.js';
import { type Context, writeJson, writeOut } from './context.js';
import { type Gate, type Step, runPlan } from './plan.js';
import { requireVaultConfig } from './vault-session.js';

export interface VaultSetupInput {
  clusterId: string | undefined;
  /** --approle-mount; else EDGECTL_VAULT_APPROLE_MOUNT, else approle */
  approleMount: string | undefined;
  dryRun: boolean;
  output: OutputFormat;
  vault: VaultFlags;
}

export type SetupStatus = 'created' | 'updated' | 'unchanged';

/** One thing setup manages, and what this run did to it (also its --output json shape). */
export interface SetupItem {
  kind: 'mount' | 'auth-method' | 'policy' | 'approle-role';
  name: string;
  status: SetupStatus;
  /** approle-role only: its role ID (public on its own: a login also needs a secret ID) */
  role_id?: string | null;
}

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

function describeItem(i: Pick<SetupItem, 'kind' | 'name'>): string {
  switch (i.kind) {
    case 'mount':
      return `mount ${i.name}/ (KV v2)`;
    case 'auth-method':
      return `auth method ${i.name}/ (AppRole)`;
    case 'policy':
      return `policy ${i.name}`;
    case 'approle-role':
      return `AppRole role ${i.name}`;
  }
}

/** The call text a gate shows: method, path and the exact JSON body. */
const call = (method: string, path: string, body: unknown): string => `${method} ${path} ${JSON.stringify(body)}`;

/** Record an item as unchanged: a plan note in both runs, and the report's line. */
function unchanged(gate: Gate, items: SetupItem[], item: Omit<SetupItem, 'status'>): void {
  gate.note(`unchanged: ${describeItem(item)}`);
  if (!gate.dryRun) items.push({ ...item, status: 'unchanged' });
}

/** The ordered steps; preflight reads the mount tables and refuses a wrong engine at either path before anything changes. */
export function setupSteps(admin: VaultAdmin, config: VaultConfig, approleMount: string, clusterId: string | undefined, items: SetupItem[]): Step[] {
  const mount = config.mount;
  const inNs = config.namespace === undefined ? '' : ` in namespace ${config.namespace}`;
  let kvEntry: VaultMountEntry | undefined;
  let authEntry: VaultMountEntry | undefined;
  const kvBody = { type: 'kv', options: { version: '2' } };
  const authBody = { type: 'approle' };

  const steps: Step[] = [
    {
      id: 'vault-kv-mount',
      title: `KV v2 mount ${mount}/`,
      preflight: async () => {
        kvEntry = (await admin.listMounts())[mount];
        if (kvEntry === undefined) return;
        if (kvEntry.type === 'kv' || kvEntry.type === 'generic') {
          if (kvEntry.options.version === '2') return;
          throw new VaultError('kv-version', `mount "${mount}/"${inNs} is KV version 1; vault setup neither converts nor replaces it`, {
            path: 'sys/mounts',
            hint: `upgrade it in place once you have checked what reads it (bao secrets enable-versioning ${mount}/), or set a new mount up with --vault-mount`,
          });
        }
        throw new VaultError('kv-version', `mount "${mount}/"${inNs} is a ${kvEntry.type} secrets engine, not KV version 2`, {
          path: 'sys/mounts',
          hint: 'choose a free path or a KV v2 mount with --vault-mount',
        });
      },
      run: async (gate) => {
        if (kvEntry !== undefined) return unchanged(gate, items, { kind: 'mount', name: mount });
        await gate.change(call('POST', `sys/mounts/${mount}`, kvBody), () => admin.enableMount(mount, kvBody));
        if (!gate.dryRun) items.push({ kind: 'mount', name: mount, status: 'created' });
      },
    },
    {
      id: 'vault-approle',
      title: `AppRole auth method ${approleMount}/`,
      preflight: async () => {
        authEntry = (await admin.listAuthMethods())[approleMount];
        if (authEntry !== undefined && authEntry.type !== 'approle') {
          throw new VaultError('bad-request', `auth method "${approleMount}/"${inNs} is ${authEntry.type}, not AppRole`, {
            path: 'sys/auth',
            hint: 'choose another path with --approle-mount (or EDGECTL_VAULT_APPROLE_MOUNT)',
          });
        }
      },
      run: async (gate) => {
        if (authEntry !== undefined) return unchanged(gate, items, { kind: 'auth-method', name: approleMount });
        await gate.change(call('POST', `sys/auth/${approleMount}`, authBody), () => admin.enableAuthMethod(approleMount, authBody.type));
        if (!gate.dryRun) items.push({ kind: 'auth-method', name: approleMount, status: 'created' });
      },
    },
    policyStep(admin, 'vault-policies', 'Operator and bootstrap policies', basePolicies(mount), items),
  ];
  if (clusterId !== undefined) {
    steps.push(policyStep(admin, 'vault-cluster-policies', `Policies of cluster ${clusterId}`, clusterPolicies(mount, clusterId), items));
    // a dry run before the auth method exists reads no role under it: there is none
    steps.push(roleStep(admin, approleMount, clusterId, JOIN_ROLES.map((r) => appRoleSpec(clusterId, r)), items, () => authEntry === undefined));
  }
  return steps;
}

function policyStep(admin: VaultAdmin, id: string, title: string, docs: readonly PolicyDocument[], items: SetupItem[]): Step {
  return {
    id,
    title,
    run: async (gate) => {
      for (const doc of docs) {
        const current = await admin.readPolicy(doc.name);
        if (current === doc.hcl) {
          unchanged(gate, items, { kind: 'policy', name: doc.name });
          continue;
        }
        await gate.change(call('PUT', `sys/policies/acl/${doc.name}`, { policy: doc.hcl }), () => admin.writePolicy(doc.name, doc.hcl));
        if (!gate.dryRun) items.push({ kind: 'policy', name: doc.name, status: current === undefined ? 'created' : 'updated' });
      }
    },
  };
}

function roleStep(admin: VaultAdmin, approleMount: string, clusterId: string, specs: readonly AppRoleSpec[], items: SetupItem[], authAbsent: () => boolean): Step {
  return {
    id: 'vault-approle-roles',
    title: `AppRole roles of cluster ${clusterId}`,
    run: async (gate) => {
      for (const spec of specs) {
        const current = gate.dryRun && authAbsent() ? undefined : await admin.readAppRole(approleMount, spec.name);
        const differs = current === undefined ? [] : appRoleDifferences(clusterId, spec.role, current);
        if (current !== undefined && differs.length === 0) {
          unchanged(gate, items, { kind: 'approle-role', name: spec.name });
          if (!gate.dryRun) setRoleId(items, spec.name, (await admin.readRoleId(approleMount, spec.name)) ?? null);
          continue;
        }
        if (current !== undefined) gate.note(`AppRole role ${spec.name} differs in ${differs.join(', ')}`);
        await gate.change(call('POST', `auth/${approleMount}/role/${spec.name}`, spec.body), () => admin.writeAppRole(approleMount, spec.name, spec.body));
        if (!gate.dryRun) {
          items.push({ kind: 'approle-role', name: spec.name, status: current === undefined ? 'created' : 'updated' });
          setRoleId(items, spec.name, (await admin.readRoleId(approleMount, spec.name)) ?? null);
        }
      }
    },
  };
}

function setRoleId(items: SetupItem[], name: string, roleId: string | null): void {
  const item = items.find((i) => i.kind === 'approle-role' && i.name === name);
  if (item !== undefined) item.role_id = roleId;
}
