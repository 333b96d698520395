/**
 * `edgectl rke2 uninstall`: remove RKE2 from this node through rke2.sh
 * uninstall, then (with --deregister) its node entry in Vault, then (with
 * --purge-cluster, only on the cluster's last server) the whole cluster in
 * Vault, and last the local files: /etc/edgectl/cluster-id and the token file.
 * The cluster ID file goes last, so a run that dies midway is completed by the
 * same command (it still knows the cluster).
 */
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import { EdgectlError, usageError } from '../core/errors.js';
import { HOST_PATHS } from '../core/host-paths.js';
import { type Context, writeJson, writeOut } from './context.js';
import { type Step, runPlan } from './plan.js';
import { confirmByTyping } from './prompt.js';
import type { ClusterRecord, NodeRecord } from '../core/cluster-records.js';
import { readRke2Status, resolveClusterId, thisNodeName } from './rke2-node.js';
import { describeVault, findCluster, verifyVaultAccess } from './rke2-vault.js';
import { deregisterNodeStep } from './phases/deregister-node.js';
import { purgeClusterStep } from './phases/purge-cluster.js';
import { removeLocalFilesStep } from './phases/remove-local-files.js';
import { uninstallRke2Step } from './phases/uninstall-rke2.js';
import { type VaultSession, openVault } from './vault-session.js';

export interface UninstallInput {
  clusterId: string | undefined;
  yes: boolean;
  deregister: boolean;
  purgeCluster: boolean;
  dryRun: boolean;
  output: OutputFormat;
  vault: VaultFlags;
}

/** The --output json shape of `rke2 uninstall`. */
export interface UninstallJson {
  cluster_id: string | null;
  node: string;
  rke2_was_installed: boolean;
  deregistered: boolean;
  /** this node was the last server registered for the cluster (null: not known without --deregister) */
  last_server: boolean | null;
  cluster_purged: boolean;
  /** the cluster is still in Vault after this run (null: not known without --deregister) */
  cluster_still_registered: boolean | null;
}

interface VaultView {
  store: VaultSession;
  record: ClusterRecord | undefined;
  nodes: NodeRecord[];
  thisEntry: NodeRecord | undefined;
  otherServers: NodeRecord[];
  lastServer: boolean;
}

/** Uninstall RKE2 from this node (and deregister it, and purge the cluster when asked and allowed). */
export async function runUninstall(ctx: Context, input: UninstallInput): Promise<void> {
  const deregister = input.deregister || input.purgeCluster;
  if (!input.yes && !input.dryRun && !ctx.stdinIsTTY) {
    throw usageError('uninstall needs --yes when stdin is not a terminal', 'edgectl rke2 uninstall --yes [--deregister]');
  }
  ctx.host.requireRoot('edgectl rke2 uninstall');
  const host = ctx.host.hostname().toLowerCase();
  const localId = await ctx.host.readLocalClusterId();
  const clusterId = input.clusterId !== undefined || localId !== undefined ? resolveClusterId(input.clusterId, localId) : undefined;
  if (deregister && clusterId === undefined) throw usageError(`--deregister needs the cluster ID: this host has no ${HOST_PATHS.clusterIdFile}; pass --cluster-id ID`);
  const status = await readRke2Status(ctx);
  const nodeName = await thisNodeName(ctx, host);

  const store = deregister ? await openVault(ctx, input.vault) : undefined;
  try {
    const view = store !== undefined && clusterId !== undefined ? await readVaultView(store, clusterId, nodeName, status.role) : undefined;
    if (input.purgeCluster && view !== undefined) checkPurgeAllowed(view, clusterId as string, nodeName);
    await uninstall(ctx, input, { clusterId, nodeName, host, installed: status.installed, role: status.role, view, deregister });
  } finally {
    await store?.close();
  }
}

async function readVaultView(store: VaultSession, clusterId: string, nodeName: string, role: string): Promise<VaultView> {
  await verifyVaultAccess(store);
  const [record, nodes] = await Promise.all([findCluster(store, clusterId), store.registry.listNodes(clusterId)]);
  const thisEntry = nodes.find((n) => n.name === nodeName);
  const otherServers = nodes.filter((n) => n.role === 'server' && n.name !== nodeName);
  // a re-run after RKE2 and the entry are gone still counts as the server it was
  const notAnAgent = role !== 'agent' && thisEntry?.role !== 'agent';
  const isServer = role === 'server' || thisEntry?.role === 'server' || (role === 'none' && thisEntry === undefined);
  return { store, record, nodes, thisEntry, otherServers, lastServer: record !== undefined && otherServers.length === 0 && isServer && notAnAgent };
}

function checkPurgeAllowed(v: VaultView, clusterId: string, nodeName: string): void {
  if (v.record === undefined) return; // already purged: the re-run has nothing left to delete
  if (v.otherServers.length > 0) {
    throw new EdgectlError('precondition', `--purge-cluster deletes cluster ${clusterId} only with its last server; other servers are still registered: ${v.otherServers.map((s) => s.name).join(', ')}`, {
      hint: `uninstall (with --deregister) the other servers first, or leave out --purge-cluster; remove the entry of a server that is dead or gone with: edgectl cluster node remove ${clusterId} NODE`,
    });
  }
  if (!v.lastServer) {
    throw new EdgectlError('precondition', `--purge-cluster runs on the cluster's last server; ${nodeName} is registered as an agent`, {
      hint: `delete the cluster with edgectl cluster delete ${clusterId} instead`,
    });
  }
}

interface UninstallFacts {
  clusterId: string | undefined;
  nodeName: string;
  host: string;
  installed: boolean;
  role: string;
  view: VaultView | undefined;
  deregister: boolean;
}

async function uninstall(ctx: Context, input: UninstallInput, f: UninstallFacts): Promise<void> {
  const { view, clusterId } = f;
  const purge = input.purgeCluster && view?.record !== undefined && view.lastServer;
  const result: UninstallJson = {
    cluster_id: clusterId ?? null,
    node: f.nodeName,
    rke2_was_installed: f.installed,
    deregistered: false,
    last_server: view === undefined ? null : view.lastServer,
    cluster_purged: false,
    cluster_still_registered: view === undefined ? null : view.record !== undefined,
  };
  const steps: Step[] = [uninstallRke2Step(ctx, f.installed)];
  if (view !== undefined && clusterId !== undefined) {
    const store = view.store;
    // no step (and so no ✓) when there is no entry to remove: explainWhatStays says so
    if (view.thisEntry !== undefined) {
      steps.push(deregisterNodeStep(store, clusterId, f.nodeName, (deleted) => {
        result.deregistered = deleted;
      }));
    }
    if (purge) {
      steps.push(purgeClusterStep(ctx, store, clusterId, view.nodes.filter((n) => n.role === 'agent'), () => {
        result.cluster_purged = true;
        result.cluster_still_registered = false;
      }));
    }
  }
  steps.push(removeLocalFilesStep(ctx, { nodeName: f.nodeName, vaultConsulted: view !== undefined }));

  if (!input.dryRun && !input.yes) await confirm(ctx, f, purge);
  const results = await runPlan(ctx, {
    dryRun: input.dryRun,
    output: input.output,
    header: `Plan for edgectl rke2 uninstall (${f.nodeName}${clusterId !== undefined ? `, cluster ${clusterId}` : ''}):`,
    json: { ...result },
    steps,
  });
  if (results === undefined) return;
  warnIfNothingDeregistered(ctx, f, result);
  if (input.output === 'json') {
    writeJson(ctx, { ...result, steps: results });
    return;
  }
  writeOut(ctx, `${f.nodeName}: RKE2 ${f.installed ? 'uninstalled' : 'was not installed'}${result.deregistered ? `; removed from cluster ${clusterId ?? ''} in Vault` : ''}${result.cluster_purged ? `; cluster ${clusterId ?? ''} deleted from Vault` : ''}`);
  explainWhatStays(ctx, input, f, result);
}

async function confirm(ctx: Context, f: UninstallFacts, purge: boolean): Promise<void> {
  const parts = [`Uninstall RKE2 from ${f.host}: stop it and delete it with its data (/var/lib/rancher/rke2, /etc/rancher/rke2)`];
  if (f.deregister && f.clusterId !== undefined && f.view?.thisEntry !== undefined) parts.push(`remove node ${f.nodeName} from cluster ${f.clusterId} in Vault`);
  if (purge && f.clusterId !== undefined) parts.push(`DELETE cluster ${f.clusterId} from Vault: every version of its token, its node entries and admin kubeconfig`);
  const expected = purge && f.clusterId !== undefined ? f.clusterId : f.nodeName;
  const ok = await confirmByTyping(ctx, `${parts.join(', and ')}. This cannot be undone.`, expected);
  if (!ok) throw new EdgectlError('failed', `nothing was changed: the confirmation did not match ${expected}`);
}

function explainWhatStays(ctx: Context, input: UninstallInput, f: UninstallFacts, r: UninstallJson): void {
  const id = f.clusterId;
  if (id === undefined) return;
  if (!f.deregister) {
    // Vault was not asked: whether the node is listed there is unknown, so say only what was not done
    ctx.ui.info(
      `Vault was not consulted (no --deregister): if node ${f.nodeName} is registered under cluster ${id}, its entry stays. Remove it with: sudo -E edgectl rke2 uninstall --deregister --cluster-id ${id} --yes (on this host), or from anywhere with the operator policy: edgectl cluster node remove ${id} ${f.nodeName}`,
    );
    return;
  }
  if (r.last_server === true && !r.cluster_purged && r.cluster_still_registered === true && f.view !== undefined) {
    const others = f.view.nodes.filter((n) => n.name !== f.nodeName).length;
    ctx.ui.info(
      `This was the last server of cluster ${id}. The cluster stays registered in ${describeVault(f.view.store)} (its token versions and ${others} other node entr${others === 1 ? 'y' : 'ies'}); delete it with: edgectl cluster delete ${id}${input.purgeCluster ? '' : ', or re-run with --purge-cluster'}`,
    );
  }
}

// said in text and JSON mode alike (stderr): a deregistration that found nothing must not pass for one that worked
function warnIfNothingDeregistered(ctx: Context, f: UninstallFacts, r: UninstallJson): void {
  const id = f.clusterId;
  if (id === undefined) return;
  if (f.view !== undefined && f.view.thisEntry === undefined) {
    const listed = r.cluster_purged ? '' : f.view.nodes.map((n) => `${n.name} (${n.role})`).join(', ');
    ctx.ui.warn(
      `node ${f.nodeName} has no entry under cluster ${id} in Vault, so nothing was removed there${listed !== '' ? `; registered nodes: ${listed}. If one of them was this host under another name, remove it with: edgectl cluster node remove ${id} NODE` : ''}`,
    );
  } else if (f.view !== undefined && !r.deregistered) {
    ctx.ui.warn(`node ${f.nodeName}'s entry under cluster ${id} was gone before this run could delete it (removed at the same time by someone else)`);
  }
}
