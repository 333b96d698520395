/** `edgectl cluster show ID`: one cluster's server, state, metadata, versions and nodes; the token only on request. */
import type { VaultFlags } from '../core/command-options.js';
import { formatTags, renderTable } from '../core/table.js';
import { type Context, writeJson, writeOut } from './context.js';
import { openVault } from './vault-session.js';

export interface ClusterShowInput {
  id: string;
  showToken: boolean;
  output: 'text' | 'json';
  vault: VaultFlags;
}

/** The --output json shape of `cluster show` (documented in the README; the token is never part of it). */
export interface ClusterShowJson {
  id: string;
  server: string;
  state: string;
  created_at: string | null;
  hostname: string | null;
  ip: string | null;
  rke2_version: string | null;
  tags: Record<string, string>;
  current_version: number;
  versions: number;
  updated_time: string | null;
  /** join_code_accessor: the secret ID accessor of the join code the node joined with (absent when it joined otherwise) */
  nodes: Array<{ name: string; role: string; hostname: string; ip: string; rke2_version: string; joined_at: string; join_code_accessor?: string }>;
}

/** Show a cluster; with showToken, print only its join token on stdout. */
export async function runClusterShow(ctx: Context, input: ClusterShowInput): Promise<void> {
  const vault = await openVault(ctx, input.vault);
  try {
    const cluster = await vault.registry.readCluster(input.id);
    if (input.showToken) {
      // the one place edgectl prints a token: stdout only, nothing else on it
      ctx.writeSecretLine(cluster.token, 'always');
      return;
    }
    const [history, nodes] = await Promise.all([vault.registry.readClusterHistory(input.id), vault.registry.listNodes(input.id)]);
    const m = cluster.metadata;
    const json: ClusterShowJson = {
      id: cluster.id,
      server: cluster.server,
      state: cluster.state,
      created_at: m.createdAt ?? null,
      hostname: m.hostname ?? null,
      ip: m.ip ?? null,
      rke2_version: m.rke2Version ?? null,
      tags: m.tags,
      current_version: cluster.version,
      versions: history?.versions ?? 1,
      updated_time: history?.updatedTime ?? null,
      nodes: nodes.map((n) => ({ name: n.name, role: n.role, hostname: n.hostname, ip: n.ip, rke2_version: n.rke2_version, joined_at: n.joined_at, ...(n.join_code_accessor === undefined ? {} : { join_code_accessor: n.join_code_accessor }) })),
    };
    if (input.output === 'json') {
      writeJson(ctx, json);
      return;
    }
    const dash = (v: string | null): string => (v === null || v === '' ? '-' : v);
    const lines = [
      ['cluster', json.id],
      ['server', json.server],
      ['state', json.state],
      ['created', `${dash(json.created_at)} by ${dash(json.hostname)} (${dash(json.ip)})`],
      ['rke2', dash(json.rke2_version)],
      ['tags', formatTags(json.tags)],
      ['versions', `${json.versions} kept, current ${json.current_version}`],
      ['token', 'hidden (--show-token prints it)'],
      ['nodes', String(json.nodes.length)],
    ];
    writeOut(ctx, lines.map(([k, v]) => `${(k ?? '').padEnd(9)} ${v ?? ''}`).join('\n'));
    if (json.nodes.length > 0) {
      // the join code column only when a node joined with one (which code joined which node)
      const codes = json.nodes.some((n) => n.join_code_accessor !== undefined);
      const table = renderTable(
        ['NAME', 'ROLE', 'IP', 'RKE2', 'JOINED', ...(codes ? ['JOIN CODE'] : [])],
        json.nodes.map((n) => [n.name, n.role, n.ip, n.rke2_version, n.joined_at, ...(codes ? [n.join_code_accessor ?? '-'] : [])]),
      );
      writeOut(ctx, table.split('\n').map((l) => `  ${l}`).join('\n'));
    }
  } finally {
    await vault.close();
  }
}
