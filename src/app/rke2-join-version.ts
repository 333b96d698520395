/**
 * The RKE2 version a join (agent or HA server) installs, checked against the
 * cluster's nodes in Vault before the host changes: without --version,
 * --channel or --airgap-dir the join installs the cluster's version (the
 * servers' lowest), not whatever the installer's default channel calls stable;
 * a version the skew policy forbids (core/version-skew.ts) is refused (exit 3)
 * unless --force.
 */
import { isVaultError } from '../core/vault-errors.js';
import { EdgectlError } from '../core/errors.js';
import type { InstallOptions } from '../core/install-options.js';
import { parseRke2Version } from '../core/rke2-version.js';
import { type SkewNode, defaultJoinVersion, joinSkewProblems } from '../core/version-skew.js';
import type { Context } from './context.js';
import type { ClusterRecord, NodeRecord } from '../core/cluster-records.js';
import { readRke2Status } from './rke2-node.js';
import type { VaultSession } from './vault-session.js';

export interface JoinVersionRequest {
  role: 'server' | 'agent';
  nodeName: string;
  install: InstallOptions;
  /** --force: warn about a skew breach instead of refusing */
  force: boolean;
}

/** Where the version a join installs comes from. */
type VersionSource = 'installed' | 'version' | 'airgap' | 'channel' | 'cluster' | 'installer-default';

/**
 * Settle the version this join installs and check it against the cluster's
 * other nodes; returns the install options to run with (--version set to the
 * cluster's version when nothing else chose one).
 */
export async function settleJoinVersion(ctx: Context, store: VaultSession, record: ClusterRecord, req: JoinVersionRequest): Promise<InstallOptions> {
  const nodes = await clusterNodes(ctx, store, record.id);
  const others = nodes.filter((n) => n.name !== req.nodeName);
  const serverVersions = others.filter((n) => n.role === 'server').map((n) => n.rke2_version);
  const clusterVersion = defaultJoinVersion(serverVersions, record.metadata.rke2Version);
  const { version, source } = await targetVersion(ctx, req.install, clusterVersion);
  const install = source === 'cluster' && version !== undefined ? { ...req.install, version } : req.install;
  if (source === 'cluster') ctx.ui.info(`Installing RKE2 ${version ?? ''}, the cluster's version (lowest server version in Vault); pass --version to choose another.`);
  if (version === undefined || parseRke2Version(version) === undefined) {
    const why = source === 'channel' ? `--channel ${req.install.channel ?? ''} is resolved only when RKE2 is installed` : 'the cluster has no known RKE2 version in Vault';
    ctx.ui.warn(`${why}: cannot check the version skew of this ${req.role} against the cluster's nodes (pass --version to check it)`);
    return install;
  }

  const peers: SkewNode[] = others.map((n) => ({ name: n.name, role: n.role, version: n.rke2_version }));
  // the least-privilege agent policy cannot list node entries: the metadata holds the servers' lowest version
  if (!peers.some((p) => p.role === 'server') && record.metadata.rke2Version !== undefined) {
    peers.push({ name: 'servers', role: 'server', version: record.metadata.rke2Version, label: "the cluster's servers (lowest version recorded in Vault)" });
  }
  const problems = joinSkewProblems({ name: req.nodeName, role: req.role, version }, peers);
  for (const p of problems.filter((x) => x.severity === 'warn')) ctx.ui.warn(`version skew: ${p.message}; upgrade this server before upgrading any agent past ${version}`);
  const refusals = problems.filter((x) => x.severity === 'refuse').map((x) => x.message);
  if (refusals.length === 0) return install;
  if (req.force) {
    for (const r of refusals) ctx.ui.warn(`--force: joining despite the version skew: ${r}`);
    return install;
  }
  throw new EdgectlError('precondition', `refusing to join ${req.role} ${req.nodeName} with RKE2 ${version} (${describeSource(source, req.install)}): ${refusals.join('; ')}`, {
    hint:
      source === 'installed'
        ? `RKE2 ${version} is already installed here and is kept; uninstall it (edgectl rke2 uninstall) and join again, or pass --force`
        : `install ${clusterVersion === undefined ? "the servers' version" : `the cluster's version (--version ${clusterVersion}, or leave out --version/--channel/--airgap-dir)`}, upgrade the servers first (edgectl rke2 upgrade), or pass --force`,
  });
}

/** The version the install step will end with, and where it comes from. */
async function targetVersion(ctx: Context, install: InstallOptions, clusterVersion: string | undefined): Promise<{ version: string | undefined; source: VersionSource }> {
  const status = await readRke2Status(ctx).catch(() => undefined);
  // rke2.sh keeps an installed RKE2 whatever --version says
  if (status?.installed === true) return { version: status.version, source: 'installed' };
  if (install.version !== undefined) return { version: install.version, source: 'version' };
  if (install.airgapDir !== undefined) {
    const r = await ctx.host.runScript(ctx, { script: 'rke2.sh', args: ['artifact-version', '--airgap-dir', install.airgapDir], title: 'rke2.sh artifact-version', quiet: true });
    return { version: r.stdout.trim(), source: 'airgap' };
  }
  if (install.channel !== undefined) return { version: undefined, source: 'channel' };
  return clusterVersion === undefined ? { version: undefined, source: 'installer-default' } : { version: clusterVersion, source: 'cluster' };
}

function describeSource(source: VersionSource, install: InstallOptions): string {
  switch (source) {
    case 'installed':
      return 'installed on this host';
    case 'version':
      return '--version';
    case 'airgap':
      return `the air-gap artifacts in ${install.airgapDir ?? ''}`;
    case 'channel':
      return `--channel ${install.channel ?? ''}`;
    case 'cluster':
      return "the cluster's version";
    case 'installer-default':
      return "the installer's default channel";
  }
}

/** The cluster's node entries; none when the policy may not list them (the least-privilege agent policy). */
export async function clusterNodes(ctx: Context, store: VaultSession, clusterId: string): Promise<NodeRecord[]> {
  try {
    return await store.registry.listNodes(clusterId);
  } catch (err) {
    // 'auth': a token without the default policy may not look itself up either; it just read the cluster secret
    if (!isVaultError(err, 'denied', 'auth')) throw err;
    ctx.ui.debug(`cannot list the node entries of ${clusterId} (${err instanceof Error ? err.message : String(err)}); checking against the cluster metadata only`);
    return [];
  }
}
