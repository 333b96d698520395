/**
 * `edgectl reset -f cluster.yaml`: uninstall RKE2 on every host of a cluster
 * file over SSH, agents first (a pool), then the servers one at a time. Each
 * host runs its own `edgectl rke2 uninstall --yes`; nothing secret crosses
 * SSH. With --deregister the node entries are deleted from Vault from this
 * machine (the operator's credential); with --purge-cluster, once every
 * server of the cluster is reset, the cluster itself. Asks first on a
 * terminal (type the cluster ID) unless --yes; off a terminal without --yes it
 * is a usage error before anything is touched. --dry-run plans from the same
 * phases. A host that is down is reported; the others go on; the exit is
 * non-zero.
 */
import type { NodeRecord } from '../core/cluster-records.js';
import type { SpecHost } from '../core/cluster-spec.js';
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import { EdgectlError, usageError, withHost } from '../core/errors.js';
import { renderTable } from '../core/table.js';
import { openSpecVault, readClusterFile } from './apply.js';
import { type Context, writeJson, writeOut } from './context.js';
import { type FleetHost, type HostFailure, closeFleet, connectFleet, hostLabel, type SudoFlags } from './fleet.js';
import { type PhaseResult, runPhasesSettled } from './phase-runner.js';
import { deregisterPhase, nodeEntryOf } from './phases/deregister-fleet-node.js';
import { uninstallPhase } from './phases/uninstall-host.js';
import { confirmByTyping } from './prompt.js';
import { clusterApiPath, nodeApiPath, verifyVaultAccess } from './rke2-vault.js';
import type { VaultSession } from './vault-session.js';

export interface ResetInput {
  file: string;
  yes: boolean;
  dryRun: boolean;
  deregister: boolean;
  purgeCluster: boolean;
  output: OutputFormat;
  acceptNewHostKeys: boolean;
  knownHosts: string | undefined;
  sshTimeoutMs: number;
  /** how sudo on the hosts gets a password (default: it must not ask) */
  sudo?: SudoFlags;
  vault: VaultFlags;
}

interface ResetRow {
  host: string;
  address: string;
  role: 'server' | 'agent';
  result: 'reset' | 'unchanged' | 'planned' | 'failed' | 'skipped';
  deregistered: boolean;
  duration_ms: number;
  changes: string[];
  error: { kind: string; exit_code: number; message: string; phase: string } | null;
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export async function runReset(ctx: Context, input: ResetInput): Promise<void> {
  const spec = await readClusterFile(ctx, input.file);
  const deregister = input.deregister || input.purgeCluster;
  if (!input.yes && !input.dryRun && !ctx.stdinIsTTY) {
    // decided before connecting anywhere: nothing is touched
    throw usageError('reset needs --yes when stdin is not a terminal', `edgectl reset -f ${input.file} --yes${input.deregister ? ' --deregister' : ''}`);
  }
  const session: VaultSession | undefined = deregister ? await openSpecVault(ctx, spec, input.vault) : undefined;
  let fleet: FleetHost[] = [];
  try {
    if (session !== undefined) await verifyVaultAccess(session);
    const connected = await connectFleet(ctx, ctx.ssh, spec, {
      knownHostsPath: input.knownHosts ?? `${ctx.homeDir}/.ssh/known_hosts`,
      ...(input.sudo === undefined ? {} : { sudo: input.sudo }),
      acceptNewHostKeys: input.acceptNewHostKeys,
      timeoutMs: input.sshTimeoutMs,
      concurrency: Math.max(spec.spec.options.concurrency, 8),
      // a host running its role is what reset is for
      checkRole: false,
    });
    fleet = connected.hosts;
    const failures = connected.failures;
    for (const f of failures) ctx.ui.error(`${f.host}: ${f.error.message}`);
    for (const hint of new Set(failures.map((f) => f.error.hint).filter((h): h is string => h !== undefined))) ctx.ui.info(`hint: ${hint}`);

    const ids = [...new Set(fleet.map((h) => h.facts.clusterId).filter((x): x is string => x !== undefined))];
    if (spec.spec.cluster.id === 'new' && ids.length > 1) {
      throw new EdgectlError('precondition', `the hosts belong to different clusters (${ids.join(', ')}), and the file says "new"; nothing was changed`, { hint: 'set spec.cluster.id to the cluster to reset' });
    }
    const clusterId = spec.spec.cluster.id !== 'new' ? spec.spec.cluster.id : ids[0];
    const foreign = fleet.find((h) => h.facts.clusterId !== undefined && h.facts.clusterId !== clusterId);
    if (foreign !== undefined) {
      throw withHost(new EdgectlError('precondition', `belongs to cluster ${foreign.facts.clusterId ?? '?'}, not ${clusterId ?? '?'}; nothing was changed`, { hint: `take it out of ${input.file}, or reset it with a file of its own cluster` }), foreign.name);
    }

    const nodes: NodeRecord[] = session !== undefined && clusterId !== undefined ? await session.registry.listNodes(clusterId) : [];
    const fileServers = fleet.filter((h) => h.role === 'server');
    const serversInVault = nodes.filter((n) => n.role === 'server');
    /** servers registered in Vault that no reachable host of the file is */
    const serversElsewhere = serversInVault.filter((n) => !fileServers.some((h) => nodeEntryOf(h, [n]) !== undefined));
    if (input.purgeCluster) {
      if (clusterId === undefined) throw new EdgectlError('precondition', 'no cluster to purge: the file says "new" and no host has a cluster ID; nothing was changed');
      const downServers = failures.filter((f) => f.role === 'server').map((f) => f.host);
      if (serversElsewhere.length > 0 || downServers.length > 0) {
        throw new EdgectlError('precondition', `--purge-cluster needs every server of ${clusterId} reset in this run; ${[...serversElsewhere.map((n) => `${n.name} is registered but not a reachable host of ${input.file}`), ...downServers.map((d) => `${d} is unreachable`)].join('; ')}; nothing was changed`, {
          hint: 'reset without --purge-cluster, or add the missing servers to the file',
        });
      }
    }

    if (!input.yes && !input.dryRun) {
      const expected = clusterId ?? spec.metadata.name;
      const ok = await confirmByTyping(
        ctx,
        `Reset ${fleet.length} host${fleet.length === 1 ? '' : 's'} of ${clusterId === undefined ? input.file : `cluster ${clusterId}`} (${fleet.map((h) => h.name).join(', ')})? RKE2 and its data are removed from them${deregister ? ', and their node entries from Vault' : ''}${input.purgeCluster ? ', then the cluster itself' : ''}.`,
        expected,
      );
      if (!ok) throw new EdgectlError('failed', `nothing was reset: the confirmation did not match ${expected}`);
    }

    const deregistered = new Set<string>();
    const pathOf = (node: string): string => (session !== undefined && clusterId !== undefined ? nodeApiPath(session, clusterId, node) : node);
    const agents = (hs: readonly FleetHost[]): readonly FleetHost[] => hs.filter((h) => h.role === 'agent');
    const servers = (hs: readonly FleetHost[]): readonly FleetHost[] => hs.filter((h) => h.role === 'server');
    const phases = [uninstallPhase({ title: 'Uninstall the agents', select: agents, ctx })];
    if (session !== undefined) phases.push(deregisterPhase({ title: 'Deregister the agents', select: agents, registry: session.registry, clusterId, nodes, pathOf, deleted: (h) => deregistered.add(h.name) }));
    phases.push(uninstallPhase({ title: 'Uninstall the servers, one at a time', select: servers, ctx, concurrency: 1 }));
    if (session !== undefined) phases.push(deregisterPhase({ title: 'Deregister the servers', select: servers, registry: session.registry, clusterId, nodes, pathOf, deleted: (h) => deregistered.add(h.name) }));
    const outcome = await runPhasesSettled(ctx, fleet, phases, { concurrency: spec.spec.options.concurrency, dryRun: input.dryRun });

    const rows = resetRows(spec.spec.hosts, outcome.phases, failures, input.dryRun, deregistered);
    const serverRowsOk = rows.filter((r) => r.role === 'server').every((r) => r.result !== 'failed' && r.result !== 'skipped');
    const everyServerReset = fileServers.length > 0 && serverRowsOk && serversElsewhere.length === 0;

    let purged = false;
    const purgeLine = session !== undefined && clusterId !== undefined ? `delete ${clusterApiPath(session, clusterId)} and every remaining entry of ${clusterId} (registry.deleteCluster)` : '';
    if (input.purgeCluster && session !== undefined && clusterId !== undefined && everyServerReset && outcome.error === undefined && !input.dryRun) {
      const r = await session.registry.deleteCluster(clusterId);
      purged = true;
      ctx.ui.info(`cluster ${clusterId} purged from Vault (${r.nodes} node entr${r.nodes === 1 ? 'y' : 'ies'} left were deleted with it${r.kubeconfigDeleted ? ', and its admin kubeconfig' : ''})`);
    }
    const anyFailed = rows.some((r) => r.result === 'failed');

    if (input.output === 'json') {
      writeJson(ctx, {
        dry_run: input.dryRun,
        cluster_id: clusterId ?? null,
        deregister,
        every_server_reset: !input.dryRun && everyServerReset,
        cluster_purged: purged,
        hosts: rows,
        phases: outcome.phases.map((p) => ({ title: p.title, hosts: p.hosts.map((r) => ({ host: r.host, status: r.status, duration_ms: r.duration_ms, actions: r.actions, changes: r.changes })) })),
        changed: rows.some((r) => r.changes.length > 0) || purged,
      });
    } else if (input.dryRun) {
      const lines = [`Plan for edgectl reset -f ${input.file} (${clusterId === undefined ? 'no cluster ID on any host' : `cluster ${clusterId}`}, ${spec.spec.hosts.length} hosts):`];
      for (const p of outcome.phases) {
        if (p.hosts.length === 0) continue;
        lines.push(`${p.title}:`);
        for (const r of p.hosts) for (const a of r.actions) lines.push(`  ${r.host}: ${a}`);
      }
      if (input.purgeCluster) lines.push(`Purge the cluster (from this machine, when every server is reset):`, `     ${purgeLine}`);
      for (const f of failures) lines.push(`  ${f.host}: unreachable, not planned (${f.error.message})`);
      lines.push('(dry run: nothing was changed on any host or in Vault)');
      writeOut(ctx, lines.join('\n'));
    } else {
      writeOut(ctx, renderTable(['HOST', 'ROLE', 'RESULT', 'DEREGISTERED', 'TIME'], rows.map((r) => [r.host, r.role, r.result, deregister ? (r.deregistered ? 'yes' : 'no') : '-', r.result === 'reset' || r.result === 'failed' ? seconds(r.duration_ms) : '-'])));
      if (everyServerReset && clusterId !== undefined) {
        writeOut(ctx, purged ? `cluster ${clusterId}: every server is reset; the cluster is purged from Vault` : `cluster ${clusterId}: every server is reset${session === undefined ? ' (of this file)' : ''}; the cluster is still registered in Vault (edgectl cluster delete ${clusterId}, or reset again with --purge-cluster)`);
      } else if (!anyFailed) {
        writeOut(ctx, `${rows.filter((r) => r.result === 'reset').length} host(s) reset`);
      }
    }
    if (outcome.error !== undefined) throw outcome.error;
    const firstFailure = failures[0];
    if (firstFailure !== undefined) throw firstFailure.error;
  } finally {
    await closeFleet(fleet);
    await session?.close();
  }
}

function resetRows(
  hosts: readonly SpecHost[],
  phases: readonly PhaseResult[],
  failures: readonly HostFailure[],
  dryRun: boolean,
  deregistered: ReadonlySet<string>,
): ResetRow[] {
  return hosts.map((h) => {
    const name = hostLabel(h);
    const base = { host: name, address: h.ssh.address, role: h.role, deregistered: deregistered.has(name) };
    const down = failures.find((f) => f.host === name);
    if (down !== undefined) return { ...base, result: 'failed' as const, duration_ms: 0, changes: [], error: { kind: down.error.kind, exit_code: down.error.exitCode, message: down.error.message, phase: down.phase } };
    const mine = phases.flatMap((p) => p.hosts.filter((r) => r.host === name));
    const changes = mine.flatMap((r) => r.changes);
    const duration = mine.reduce((t, r) => t + r.duration_ms, 0);
    const bad = mine.find((r) => r.status === 'failed');
    if (bad?.error !== undefined) return { ...base, result: 'failed' as const, duration_ms: duration, changes, error: { kind: bad.error.kind, exit_code: bad.error.exitCode, message: bad.error.message, phase: bad.phase } };
    if (mine.length === 0 || mine.every((r) => r.status === 'skipped')) return { ...base, result: 'skipped' as const, duration_ms: 0, changes, error: null };
    return { ...base, result: changes.length === 0 ? ('unchanged' as const) : dryRun ? ('planned' as const) : ('reset' as const), duration_ms: duration, changes, error: null };
  });
}
