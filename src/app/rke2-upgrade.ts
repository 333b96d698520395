/**
 * `edgectl rke2 upgrade`: upgrade RKE2 on this node through rke2.sh upgrade.
 * First a read-only preflight (`rke2.sh upgrade … --dry-run --json`) resolves
 * the exact target version (channel, air-gap artifacts), refuses a downgrade
 * unless --force, and tells the role; then an agent is refused a version newer
 * than the cluster's servers (their node entries in Vault) unless --force.
 * The real run installs exactly that version (a channel cannot move in
 * between), waits until ready, and records the new version in the node entry.
 */
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import { EdgectlError, usageError } from '../core/errors.js';
import { installOptionProblems } from '../core/install-options.js';
import { compareVersionStrings } from '../core/rke2-version.js';
import { type Context, writeJson, writeOut } from './context.js';
import { type Step, runPlan } from './plan.js';
import type { NodeRecord } from '../core/cluster-records.js';
import { resolveClusterId, thisNodeName } from './rke2-node.js';
import { rke2VersionOnHost } from './rke2-node-entry.js';
import { verifyVaultAccess } from './rke2-vault.js';
import { recordLowestVersionAfterUpgradeStep } from './phases/record-lowest-version-after-upgrade.js';
import { recordNodeVersionStep } from './phases/record-node-version.js';
import { upgradeRke2Step } from './phases/upgrade-rke2.js';
import { type VaultSession, openVaultIfConfigured } from './vault-session.js';

export interface UpgradeInput {
  clusterId: string | undefined;
  version: string | undefined;
  channel: string | undefined;
  airgapDir: string | undefined;
  installScript: string | undefined;
  waitTimeout: number | undefined;
  force: boolean;
  noVault: boolean;
  dryRun: boolean;
  output: OutputFormat;
  vault: VaultFlags;
}

/** What `rke2.sh upgrade --dry-run --json` plans (scripts/README.md). */
export interface UpgradePreflight {
  installed: string;
  target: string;
  role: 'server' | 'agent' | 'none';
  action: 'upgrade' | 'downgrade' | 'reinstall' | 'keep' | 'restart';
  restart: boolean;
}

/** Upgrade this node. */
export async function runUpgrade(ctx: Context, input: UpgradeInput): Promise<void> {
  validateUpgradeInput(input);
  ctx.host.requireRoot('edgectl rke2 upgrade'); // even the preflight reads root-only RKE2 state
  const host = ctx.host.hostname().toLowerCase();
  const localId = await ctx.host.readLocalClusterId();
  const clusterId = input.clusterId !== undefined || localId !== undefined ? resolveClusterId(input.clusterId, localId) : undefined;
  const nodeName = await thisNodeName(ctx, host);
  const plan = await preflight(ctx, input);
  const store = input.noVault ? undefined : await openVaultIfConfigured(ctx, input.vault);
  try {
    let servers: NodeRecord[] = [];
    if (store !== undefined && clusterId !== undefined) {
      await verifyVaultAccess(store);
      servers = (await store.registry.listNodes(clusterId)).filter((n) => n.role === 'server' && n.name !== nodeName);
      if (plan.role === 'agent') checkAgentTarget(ctx, input, plan, servers, nodeName);
    } else if (plan.role === 'agent') {
      ctx.ui.warn(`${store === undefined ? 'without Vault' : 'without a cluster ID'} the servers' versions cannot be checked: make sure no server runs an older RKE2 than ${plan.target}`);
    }
    await upgrade(ctx, input, { store, clusterId, host, nodeName, plan, servers });
  } finally {
    await store?.close();
  }
}

function validateUpgradeInput(input: UpgradeInput): void {
  const problems = installOptionProblems({
    tlsSan: [],
    nodeLabel: [],
    nodeTaint: [],
    noStart: false,
    ...(input.version === undefined ? {} : { version: input.version }),
    ...(input.channel === undefined ? {} : { channel: input.channel }),
    ...(input.installScript === undefined ? {} : { installScript: input.installScript }),
  });
  if (input.version === undefined && input.channel === undefined && input.airgapDir === undefined) problems.push('upgrade needs --version V, --channel C or --airgap-dir DIR');
  if (input.channel !== undefined && input.airgapDir !== undefined) problems.push('--channel cannot be used with --airgap-dir (the artifacts fix the version)');
  if (problems.length > 0) throw usageError(problems.join('\n  '), 'see edgectl rke2 upgrade --help');
}

function sourceArgs(input: UpgradeInput, target?: string): string[] {
  const args: string[] = [];
  if (target !== undefined) args.push('--version', target);
  else if (input.version !== undefined) args.push('--version', input.version);
  else if (input.channel !== undefined) args.push('--channel', input.channel);
  if (input.airgapDir !== undefined) args.push('--airgap-dir', input.airgapDir);
  if (input.installScript !== undefined) args.push('--install-script', input.installScript);
  if (input.force) args.push('--force');
  if (input.waitTimeout !== undefined) args.push('--wait-timeout', String(input.waitTimeout));
  return args;
}

/** Resolve the target and check the host, changing nothing (refused downgrades fail here, exit 3). */
async function preflight(ctx: Context, input: UpgradeInput): Promise<UpgradePreflight> {
  const r = await ctx.host.runScript(ctx, { script: 'rke2.sh', args: ['upgrade', ...sourceArgs(input), '--dry-run', '--json'], title: 'rke2.sh upgrade (preflight)', quiet: true });
  let d: Partial<UpgradePreflight>;
  try {
    d = JSON.parse(r.stdout) as Partial<UpgradePreflight>;
  } catch {
    throw new EdgectlError('internal', 'rke2.sh upgrade --dry-run --json printed something that is not JSON');
  }
  if (typeof d.installed !== 'string' || typeof d.target !== 'string' || typeof d.action !== 'string') {
    throw new EdgectlError('internal', 'rke2.sh upgrade --dry-run --json left out installed, target or action');
  }
  return { installed: d.installed, target: d.target, role: d.role === 'server' || d.role === 'agent' ? d.role : 'none', action: d.action, restart: d.restart === true };
}

/** An agent must not run a newer RKE2 than any server of its cluster (Kubernetes version skew). */
function checkAgentTarget(ctx: Context, input: UpgradeInput, plan: UpgradePreflight, servers: NodeRecord[], nodeName: string): void {
  const known = servers.filter((s) => compareVersionStrings(s.rke2_version, s.rke2_version) !== undefined);
  for (const s of servers) if (!known.includes(s)) ctx.ui.warn(`server ${s.name} has no known RKE2 version in Vault (${s.rke2_version || 'none'}); it is left out of the check`);
  if (known.length === 0) {
    ctx.ui.warn(`no server of this cluster with a known version is registered in Vault: cannot check that ${plan.target} is not newer than the servers`);
    return;
  }
  const behind = known.filter((s) => (compareVersionStrings(plan.target, s.rke2_version) ?? 0) > 0);
  if (behind.length === 0) return;
  const list = behind.map((s) => `${s.name} (${s.rke2_version})`).join(', ');
  if (input.force) {
    ctx.ui.warn(`--force: upgrading agent ${nodeName} to ${plan.target}, newer than server(s) ${list}`);
    return;
  }
  throw new EdgectlError('precondition', `refusing to upgrade agent ${nodeName} to ${plan.target}: it would be newer than server(s) ${list}`, {
    hint: 'upgrade the servers first (edgectl rke2 upgrade on each of them), or pass --force',
  });
}

interface UpgradeFacts {
  store: VaultSession | undefined;
  clusterId: string | undefined;
  host: string;
  nodeName: string;
  plan: UpgradePreflight;
  /** the other servers' entries */
  servers: NodeRecord[];
}

async function upgrade(ctx: Context, input: UpgradeInput, f: UpgradeFacts): Promise<void> {
  const { plan, store, clusterId } = f;
  const args = ['upgrade', ...sourceArgs(input, plan.target)];
  const what: Record<UpgradePreflight['action'], string> = {
    upgrade: `install RKE2 ${plan.target} over ${plan.installed}`,
    downgrade: `install RKE2 ${plan.target} over ${plan.installed} (a downgrade, --force)`,
    reinstall: `reinstall RKE2 ${plan.target} (--force)`,
    keep: `keep RKE2 ${plan.installed} (already at ${plan.target})`,
    restart: `restart rke2-${plan.role} (RKE2 ${plan.target} is installed; its restart is pending)`,
  };
  const steps: Step[] = [upgradeRke2Step(ctx, { target: plan.target, what: what[plan.action], args, restart: plan.restart, role: plan.role })];
  const role = plan.role;
  if (store !== undefined && clusterId !== undefined && role !== 'none') {
    steps.push(recordNodeVersionStep(ctx, store, { clusterId, nodeName: f.nodeName, host: f.host, role, target: plan.target }));
    if (role === 'server') steps.push(recordLowestVersionAfterUpgradeStep(ctx, store, { clusterId, target: plan.target, otherServers: f.servers }));
  } else if (store === undefined) {
    ctx.ui.info('No Vault configured: the new version is not recorded in a node entry.');
  }

  const base = { cluster_id: clusterId ?? null, node: f.nodeName, role, installed: plan.installed, target: plan.target, action: plan.action, restart: plan.restart };
  const results = await runPlan(ctx, { dryRun: input.dryRun, output: input.output, header: `Plan for edgectl rke2 upgrade (${role} ${f.nodeName}, ${plan.installed === plan.target ? `already at ${plan.target}` : `${plan.installed} → ${plan.target}`}):`, json: { ...base }, steps });
  if (results === undefined) return;
  const now = (await rke2VersionOnHost(ctx)) ?? null;
  if (input.output === 'json') {
    writeJson(ctx, { ...base, rke2_version: now, steps: results });
    return;
  }
  writeOut(ctx, upgradeSummary(f.nodeName, plan, now));
  if (role === 'server' && plan.action !== 'keep') ctx.ui.info('Upgrade the other servers next, then the agents (an agent must not be newer than any server).');
}

/** The one result line: "V1 → V2", or that nothing changed when the node already ran the target. */
export function upgradeSummary(node: string, plan: Pick<UpgradePreflight, 'installed' | 'target' | 'action'>, now: string | null): string {
  if (plan.installed === plan.target && (now === null || now === plan.target)) {
    if (plan.action === 'keep') return `${node}: RKE2 is already at ${plan.target}; nothing was reinstalled or restarted`;
    if (plan.action === 'restart') return `${node}: RKE2 is already at ${plan.target}; restarted once to start it (an earlier run installed it)`;
    if (plan.action === 'reinstall') return `${node}: RKE2 ${plan.target} reinstalled (--force)`;
  }
  return `${node}: RKE2 ${plan.installed} → ${now ?? 'unknown'}`;
}
