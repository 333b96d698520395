/**
 * `edgectl status -f cluster.yaml`: every host of the file as it is (over SSH,
 * read-only: the facts probe) beside the cluster as Vault holds it (from this
 * machine). One table, or one JSON document. Exit 0 when every host is
 * reachable and runs its role in the cluster; 1 when any is not (the report
 * says which); the usual codes when the file, Vault or SSH setup is wrong.
 */
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import { EdgectlError } from '../core/errors.js';
import { renderTable } from '../core/table.js';
import { openSpecVault, readClusterFile } from './apply.js';
import { type Context, writeJson, writeOut } from './context.js';
import { closeFleet, connectFleet, hostLabel, type SudoFlags } from './fleet.js';

export interface FleetStatusInput {
  file: string;
  output: OutputFormat;
  acceptNewHostKeys: boolean;
  knownHosts: string | undefined;
  sshTimeoutMs: number;
  /** how sudo on the hosts gets a password (default: it must not ask) */
  sudo?: SudoFlags;
  vault: VaultFlags;
}

export async function runFleetStatus(ctx: Context, input: FleetStatusInput): Promise<void> {
  const spec = await readClusterFile(ctx, input.file);
  const session = await openSpecVault(ctx, spec, input.vault);
  const connected = await connectFleet(ctx, ctx.ssh, spec, {
    knownHostsPath: input.knownHosts ?? `${ctx.homeDir}/.ssh/known_hosts`,
    ...(input.sudo === undefined ? {} : { sudo: input.sudo }),
    acceptNewHostKeys: input.acceptNewHostKeys,
    timeoutMs: input.sshTimeoutMs,
    concurrency: 16,
    // a host that fails the join checks (its ports are RKE2's own, its role's service runs) is still reported
    checkRole: false,
  });
  try {
    const ids = [...new Set(connected.hosts.map((h) => h.facts.clusterId).filter((x): x is string => x !== undefined))];
    const clusterId = spec.spec.cluster.id !== 'new' ? spec.spec.cluster.id : ids.length === 1 ? ids[0] : undefined;
    const record = clusterId === undefined ? undefined : await session.registry.readCluster(clusterId).catch(() => undefined);
    const nodes = clusterId === undefined || record === undefined ? [] : await session.registry.listNodes(clusterId);
    const rows = spec.spec.hosts.map((h) => {
      const name = hostLabel(h);
      const host = connected.hosts.find((x) => x.spec === h);
      const failure = connected.failures.find((f) => f.host === name);
      const active = host === undefined ? false : h.role === 'server' ? host.facts.rke2ServerActive : host.facts.rke2AgentActive;
      const node = nodes.find((n) => n.name === name || (host !== undefined && n.hostname === host.facts.hostname));
      const ok = host !== undefined && active && clusterId !== undefined && host.facts.clusterId === clusterId;
      return {
        host: name,
        address: h.ssh.address,
        role: h.role,
        reachable: host !== undefined,
        service: host === undefined ? null : active ? 'active' : 'inactive',
        rke2_version: host?.facts.rke2Version ?? null,
        cluster_id: host?.facts.clusterId ?? null,
        in_vault: node !== undefined,
        joined_with_code: node?.join_code_accessor !== undefined,
        ok,
        error: failure === undefined ? null : failure.error.message,
      };
    });
    if (input.output === 'json') {
      writeJson(ctx, {
        cluster: clusterId === undefined ? null : { id: clusterId, in_vault: record !== undefined, state: record?.state ?? null, server: record?.server ?? null, nodes_in_vault: nodes.length },
        hosts: rows,
        ok: rows.every((r) => r.ok),
      });
    } else {
      writeOut(ctx, `cluster ${clusterId ?? '(none yet)'}${record === undefined ? (clusterId === undefined ? '' : ': not in Vault') : `: ${record.state}, ${record.server}, ${nodes.length} node entries in Vault`}`);
      writeOut(ctx, renderTable(['HOST', 'ROLE', 'SERVICE', 'RKE2', 'CLUSTER', 'IN VAULT'], rows.map((r) => [r.host, r.role, r.reachable ? (r.service ?? '-') : `unreachable: ${r.error ?? ''}`.slice(0, 60), r.rke2_version ?? '-', r.cluster_id ?? '-', r.in_vault ? 'yes' : 'no'])));
    }
    const bad = rows.filter((r) => !r.ok);
    if (bad.length > 0) throw new EdgectlError('failed', `${bad.length} of ${rows.length} hosts are not running their role in the cluster: ${bad.map((r) => r.host).join(', ')}`, { hint: 'edgectl apply -f the same file converges them' });
  } finally {
    await closeFleet(connected.hosts);
    await session.close();
  }
}
