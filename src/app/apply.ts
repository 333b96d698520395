/**
 * `edgectl apply -f cluster.yaml`: drive a whole cluster from this machine
 * over SSH, k0sctl-style. The phases, in order (each a file in app/phases/):
 *
 *   Vault (from here)   the cluster's policies and AppRole roles (vault setup)
 *   put-edgectl         this edgectl on every host that lacks exactly it
 *   join-hosts          the first server bootstraps a new cluster; the other
 *                       servers join one at a time; agents join in a pool
 *   upgrade-nodes       a rolling upgrade when rke2.version differs from what a
 *                       joined host runs: servers one at a time (before the new
 *                       servers join), then agents (before the new agents join),
 *                       each cordoned, drained, upgraded and uncordoned
 *
 * Every host joins by pulling from Vault with a join code minted for it alone
 * and sent on the SSH channel's stdin: no RKE2 token and no long-lived Vault
 * credential reaches a host. A re-apply of an unchanged file changes nothing
 * and says so; --dry-run connects, gathers facts and prints the per-host plan
 * from the same phase code, changing nothing on any host or in Vault.
 */
import { parseDocument } from 'yaml';
import { type InventoryHost, inventoryHosts, specHostOf } from '../core/ansible-inventory.js';
import { generateClusterId } from '../core/cluster-id.js';
import { type ClusterSpec, checkClusterSpec } from '../core/cluster-spec.js';
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import { EdgectlError, usageError, withHost } from '../core/errors.js';
import { isIP } from '../core/ip.js';
import type { JoinRole } from '../core/join-code.js';
import { renderTable } from '../core/table.js';
import { type Context, writeJson, writeOut } from './context.js';
import { type FleetHost, type HostFailure, closeFleet, connectFleet, type SudoFlags } from './fleet.js';
import { mintJoinCodes } from './join-code-mint.js';
import { type PhaseResult, runPhasesSettled } from './phase-runner.js';
import { type CodeMinter, joinPhase } from './phases/join-hosts.js';
import { putEdgectlPhase } from './phases/put-edgectl.js';
import { Rollout, checkRollout } from './phases/upgrade-nodes.js';
import { dryRunPlan, executePlan, type PlannedStep } from './plan.js';
import { nodeApiPath } from './rke2-vault.js';
import { resolveApproleMount, setupSteps, type SetupItem } from './vault-setup.js';
import { type VaultSession, openVault } from './vault-session.js';

export interface ApplyInput {
  file: string;
  dryRun: boolean;
  /** agents joined at once; default: the file's options.concurrency */
  concurrency: number | undefined;
  output: OutputFormat;
  acceptNewHostKeys: boolean;
  /** default ~/.ssh/known_hosts */
  knownHosts: string | undefined;
  sshTimeoutMs: number;
  /** how sudo on the hosts gets a password (default: it must not ask) */
  sudo?: SudoFlags;
  /** the executable to copy; default this one (when it is the single executable) */
  edgectlBinary: string | undefined;
  vault: VaultFlags;
  /** the hosts from an Ansible inventory instead of spec.hosts */
  inventory?: InventoryInput;
  /** skip cordon and drain in a rolling upgrade (the file's options.drain.enabled otherwise) */
  noDrain?: boolean;
}

/** TTL of the codes apply mints: from mint to unwrap is seconds, over an open SSH channel. */
const APPLY_CODE_TTL_S = 15 * 60;

/** Where the hosts come from instead of spec.hosts: an Ansible YAML inventory, groups mapped to roles. */
export interface InventoryInput {
  file: string;
  serverGroups?: string[];
  agentGroups?: string[];
}

async function readYaml(ctx: Context, file: string, what: string): Promise<unknown> {
  const text = await ctx.host.readFileIfExists(file);
  if (text === undefined) throw usageError(`${what} ${file}: no such file`, what === 'cluster file' ? 'write one with edgectl init HOST… > cluster.yaml' : undefined);
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    throw usageError(`${what} ${file} is not valid YAML:\n  ${doc.errors.map((e) => `line ${(e.linePos?.[0]?.line ?? 0)}: ${e.message.split('\n')[0] ?? ''}`).join('\n  ')}`);
  }
  return doc.toJS();
}

/** The hosts of an Ansible inventory as cluster-file host entries (exit 2 with every problem). */
export async function readInventory(ctx: Context, inv: InventoryInput): Promise<InventoryHost[]> {
  const found = inventoryHosts(await readYaml(ctx, inv.file, 'inventory'), {
    ...(inv.serverGroups === undefined || inv.serverGroups.length === 0 ? {} : { server: inv.serverGroups }),
    ...(inv.agentGroups === undefined || inv.agentGroups.length === 0 ? {} : { agent: inv.agentGroups }),
  });
  if ('problems' in found) throw usageError(`inventory ${inv.file}:\n  ${found.problems.join('\n  ')}`);
  return found.hosts;
}

/** Read and check the cluster file (its hosts from an inventory when given): every problem at once (exit 2), before anything connects. */
export async function readClusterFile(ctx: Context, file: string, inventory?: InventoryInput): Promise<ClusterSpec> {
  const doc = await readYaml(ctx, file, 'cluster file');
  if (inventory !== undefined && typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
    const d = doc as { spec?: unknown };
    const hosts = (await readInventory(ctx, inventory)).map(specHostOf);
    d.spec = { ...(typeof d.spec === 'object' && d.spec !== null ? d.spec : {}), hosts };
  }
  const checked = checkClusterSpec(doc);
  if (!checked.ok) throw usageError(`cluster file ${file} has ${checked.problems.length} problem${checked.problems.length === 1 ? '' : 's'}:\n  ${checked.problems.join('\n  ')}`, 'the fields are described in schema/cluster.schema.json and in the README ("Many hosts")');
  return checked.spec;
}

/** The Vault flags of the file, with the command line's winning. */
export function vaultFlagsOf(spec: ClusterSpec, flags: VaultFlags): VaultFlags {
  const v = spec.spec.vault;
  return {
    vaultAddr: flags.vaultAddr ?? v.address,
    vaultMount: flags.vaultMount ?? v.mount,
    ...(flags.vaultNamespace !== undefined ? { vaultNamespace: flags.vaultNamespace } : v.namespace !== '' ? { vaultNamespace: v.namespace } : {}),
    ...(flags.vaultSecretIdFile !== undefined ? { vaultSecretIdFile: flags.vaultSecretIdFile } : {}),
  };
}

/** Vault as the file says (its address, namespace, mount and CA; the command line wins), opened from this machine. */
export async function openSpecVault(ctx: Context, spec: ClusterSpec, flags: VaultFlags): Promise<VaultSession> {
  const env = spec.spec.vault.caFile !== undefined && ctx.env.VAULT_CACERT === undefined ? { ...ctx.env, VAULT_CACERT: spec.spec.vault.caFile } : ctx.env;
  return openVault({ ...ctx, env }, vaultFlagsOf(spec, flags));
}

/** The cluster this apply is about: the file's ID, else the one the hosts already belong to, else a new one. */
function settleClusterId(spec: ClusterSpec, hosts: readonly FleetHost[]): { id: string; isNew: boolean } {
  if (spec.spec.cluster.id !== 'new') return { id: spec.spec.cluster.id, isNew: false };
  const found = [...new Set(hosts.map((h) => h.facts.clusterId).filter((x): x is string => x !== undefined))];
  if (found.length > 1) {
    throw new EdgectlError('precondition', `the hosts belong to different clusters (${found.join(', ')}), and the file says "new"`, { hint: 'set spec.cluster.id to the cluster these hosts should form' });
  }
  return found[0] !== undefined ? { id: found[0], isNew: false } : { id: generateClusterId(), isNew: true };
}

interface HostRow {
  host: string;
  address: string;
  role: JoinRole;
  action: string;
  result: 'done' | 'unchanged' | 'failed' | 'skipped' | 'planned';
  duration_ms: number;
  changes: string[];
  error: { kind: string; exit_code: number; message: string; phase: string } | null;
}

function hostRows(spec: ClusterSpec, phases: readonly PhaseResult[], failures: readonly HostFailure[], dryRun: boolean): HostRow[] {
  return spec.spec.hosts.map((h) => {
    const name = h.nodeName ?? h.ssh.address;
    const base = { host: name, address: h.ssh.address, role: h.role };
    const failed = failures.find((f) => f.host === name);
    if (failed !== undefined) {
      return { ...base, action: failed.phase, result: 'failed' as const, duration_ms: 0, changes: [], error: { kind: failed.error.kind, exit_code: failed.error.exitCode, message: failed.error.message, phase: failed.phase } };
    }
    const mine = phases.flatMap((p) => p.hosts.filter((r) => r.host === name));
    const changes = mine.flatMap((r) => r.changes);
    const bad = mine.find((r) => r.status === 'failed');
    const duration = mine.reduce((t, r) => t + r.duration_ms, 0);
    const joined = mine.find((r) => /join|bootstrap/i.test(r.phase) && r.changes.length > 0)?.phase;
    const action = bad?.phase ?? joined ?? (changes.length > 0 ? (mine.find((r) => r.changes.length > 0)?.phase ?? '-') : 'none');
    if (bad?.error !== undefined) return { ...base, action, result: 'failed' as const, duration_ms: duration, changes, error: { kind: bad.error.kind, exit_code: bad.error.exitCode, message: bad.error.message, phase: bad.phase } };
    if (mine.length === 0 || mine.every((r) => r.status === 'skipped')) return { ...base, action: '-', result: 'skipped' as const, duration_ms: 0, changes, error: null };
    const result = changes.length === 0 ? ('unchanged' as const) : dryRun ? ('planned' as const) : ('done' as const);
    return { ...base, action, result, duration_ms: duration, changes, error: null };
  });
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Run `edgectl apply`. */
export async function runApply(ctx: Context, input: ApplyInput): Promise<void> {
  const spec = await readClusterFile(ctx, input.file, input.inventory);
  const concurrency = input.concurrency ?? spec.spec.options.concurrency;
  const self = await ctx.host.edgectlExecutable(input.edgectlBinary);
  // Vault first: when it cannot be reached or refuses us, no host is touched
  const session = await openSpecVault(ctx, spec, input.vault);
  let fleet: FleetHost[] = [];
  try {
    await session.client.lookupSelf();
    const approleMount = resolveApproleMount(ctx.env, spec.spec.vault.approleMount);

    const connected = await connectFleet(ctx, ctx.ssh, spec, {
      knownHostsPath: input.knownHosts ?? `${ctx.homeDir}/.ssh/known_hosts`,
      ...(input.sudo === undefined ? {} : { sudo: input.sudo }),
      acceptNewHostKeys: input.acceptNewHostKeys,
      timeoutMs: input.sshTimeoutMs,
      concurrency: Math.max(concurrency, 8),
    });
    fleet = connected.hosts;
    const failures = connected.failures;
    for (const f of failures) ctx.ui.error(`${f.host}: ${f.error.message}`);
    // each different hint once (ten unknown host keys need one line on what to do)
    for (const hint of new Set(failures.map((f) => f.error.hint).filter((h): h is string => h !== undefined))) ctx.ui.info(`hint: ${hint}`);
    const serverDown = failures.find((f) => f.role === 'server');
    if (serverDown !== undefined) {
      throw withHost(new EdgectlError(serverDown.error.kind, `server ${serverDown.host} is not usable (${serverDown.error.message}); nothing was changed`, {
        hint: `servers join one at a time, so the rollout does not start without all of them; ${failures.length > 1 ? `${failures.length} hosts failed, see above; ` : ''}fix it, or take it out of ${input.file}`,
      }), serverDown.host);
    }

    const cluster = settleClusterId(spec, fleet);
    const existing = cluster.isNew ? undefined : await session.registry.readCluster(cluster.id).catch((err: unknown) => {
      if (spec.spec.cluster.id !== 'new') throw err;
      return undefined;
    });
    const bootstrap = existing === undefined;
    if (bootstrap && !fleet.some((h) => h.role === 'server')) throw new EdgectlError('precondition', `cluster ${cluster.id} is not in Vault and the file has no server to bootstrap it`);
    // a rolling upgrade that would downgrade or break the skew rule is refused before any change
    checkRollout(fleet, spec, cluster.id);

    // Vault: the cluster's policies and roles (what `vault setup --cluster-id` does), from this machine
    const items: SetupItem[] = [];
    const steps = setupSteps(session.admin, session.config, approleMount, cluster.id, items);
    for (const s of steps) await s.preflight?.();
    let vaultPlan: PlannedStep[] | undefined;
    if (input.dryRun) vaultPlan = await dryRunPlan(ctx, steps);
    else await executePlan(ctx, steps);

    const addressOf = (h: FleetHost): string | undefined => (isIP(h.spec.ssh.address) !== 0 && h.spec.ssh.bastion === undefined ? h.spec.ssh.address : undefined);
    const minter: CodeMinter = {
      describe: (_role, h) => `ttl ${APPLY_CODE_TTL_S / 60}m${addressOf(h) === undefined ? '' : `, bound to ${addressOf(h)}`}`,
      mint: async (role, h) => {
        const bind = addressOf(h);
        const [code] = await mintJoinCodes(ctx, session, {
          clusterId: cluster.id,
          role,
          count: 1,
          ttlSeconds: APPLY_CODE_TTL_S,
          cidrs: bind === undefined ? [] : [`${bind}/${isIP(bind) === 6 ? 128 : 32}`],
          approleMount,
          hostVaultAddr: spec.spec.vault.address,
          requireRegistered: false,
          label: h.name,
        });
        if (code === undefined) throw new EdgectlError('internal', 'no join code minted');
        return code.text;
      },
    };
    const servers = fleet.filter((h) => h.role === 'server');
    const first = bootstrap ? servers[0] : undefined;
    const recorder = {
      describe: (node: string) => `record rke2_version in ${nodeApiPath(session, cluster.id, node)}`,
      record: async (node: string, version: string) => {
        await session.registry.patchNode(cluster.id, node, { rke2_version: version });
      },
    };
    const rollout = new Rollout({ spec, clusterId: () => cluster.id, ctx, drain: spec.spec.options.drain.enabled && input.noDrain !== true, recorder });
    // a rolling upgrade goes before the joins of its role: new nodes join at the new version, never newer than the servers
    const [upgradeServers, upgradeAgents] = rollout.phases();
    const phases = [
      putEdgectlPhase(self),
      joinPhase({ title: 'Bootstrap the first server', role: 'server', select: () => (first === undefined ? [] : [first]), spec, clusterId: () => cluster.id, minter, ctx, concurrency: 1 }),
      ...(upgradeServers === undefined ? [] : [upgradeServers]),
      joinPhase({ title: 'Join the other servers, one at a time', role: 'server', select: (hs) => hs.filter((h) => h.role === 'server' && h !== first), spec, clusterId: () => cluster.id, minter, ctx, concurrency: 1 }),
      ...(upgradeAgents === undefined ? [] : [upgradeAgents]),
      joinPhase({ title: 'Join the agents', role: 'agent', select: (hs) => hs.filter((h) => h.role === 'agent'), spec, clusterId: () => cluster.id, minter, ctx, tolerant: true }),
    ];
    const outcome = await runPhasesSettled(ctx, fleet, phases, { concurrency, dryRun: input.dryRun });
    const rows = hostRows(spec, outcome.phases, failures, input.dryRun);
    const anyFailed = rows.some((r) => r.result === 'failed');
    const vaultChanges = input.dryRun ? (vaultPlan ?? []).flatMap((s) => s.changes) : items.filter((i) => i.status !== 'unchanged').map((i) => `${i.status} ${i.kind} ${i.name}`);

    if (input.output === 'json') {
      writeJson(ctx, {
        dry_run: input.dryRun,
        cluster_id: cluster.id,
        cluster_id_generated: cluster.isNew && input.dryRun,
        bootstrapped: bootstrap && !input.dryRun && !anyFailed,
        vault_changes: vaultChanges,
        hosts: rows,
        phases: outcome.phases.map((p) => ({ title: p.title, duration_ms: p.duration_ms, hosts: p.hosts.map((r) => ({ host: r.host, status: r.status, duration_ms: r.duration_ms, actions: r.actions, changes: r.changes })) })),
        changed: vaultChanges.length > 0 || rows.some((r) => r.changes.length > 0),
      });
    } else if (input.dryRun) {
      const lines = [`Plan for edgectl apply -f ${input.file} (cluster ${cluster.id}${cluster.isNew ? ', new: an example ID, the real run generates another' : bootstrap ? ', new' : ''}, ${spec.spec.hosts.length} hosts):`];
      lines.push(`Vault (from this machine):`);
      for (const s of vaultPlan ?? []) for (const a of s.actions) lines.push(`     ${a}`);
      for (const p of outcome.phases) {
        if (p.hosts.length === 0) continue;
        lines.push(`${p.title}:`);
        for (const r of p.hosts) for (const a of r.actions) lines.push(`  ${r.host}: ${a}`);
      }
      lines.push('(dry run: nothing was changed on any host or in Vault)');
      writeOut(ctx, lines.join('\n'));
    } else {
      writeOut(ctx, renderTable(['HOST', 'ROLE', 'ACTION', 'RESULT', 'TIME'], rows.map((r) => [r.host, r.role, r.action, r.result, r.result === 'unchanged' || r.result === 'skipped' ? '-' : seconds(r.duration_ms)])));
      const changed = vaultChanges.length > 0 || rows.some((r) => r.changes.length > 0);
      if (!anyFailed) writeOut(ctx, changed ? `cluster ${cluster.id}: ${rows.filter((r) => r.changes.length > 0).length} host(s) changed` : `cluster ${cluster.id}: nothing to change (every host already as the file says)`);
    }
    if (outcome.error !== undefined) throw rollout.explain(outcome.error);
    const firstFailure = failures[0];
    if (firstFailure !== undefined) throw firstFailure.error;
  } finally {
    await closeFleet(fleet);
    await session.close();
  }
}
