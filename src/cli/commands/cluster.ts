/** `edgectl cluster …`: the cluster registry in Vault. */
import type { Command } from 'commander';
import { usageError } from '../../core/errors.js';
import type { Registrar } from '../program.js';
import { type OutputFormat, type VaultFlags, addVaultOptions, clusterIdArg, nodeNameArg, outputOption, tagArg, vaultFlags } from '../options.js';

export function registerClusterCommands(program: Command, registrar: Registrar): void {
  const cluster = program.command('cluster').description('the cluster registry in Vault');

  addVaultOptions(
    cluster
      .command('list')
      .description('list every cluster registered under the mount: ID, created_at, hostname, ip, tags (no secrets)')
      .option('--tag <key=value>', 'only clusters carrying this tag (repeatable; all must match)', tagArg),
  )
    .addOption(outputOption())
    .action((opts: VaultFlags & { tag?: Array<[string, string]>; output: OutputFormat }) => {
      registrar.select('cluster list', { tags: opts.tag ?? [], output: opts.output, vault: vaultFlags(opts) }, async (ctx, input) =>
        (await import('../../app/cluster-list.js')).runClusterList(ctx, input),
      );
    });

  addVaultOptions(
    cluster
      .command('show')
      .description('show a cluster: server URL, state, metadata, KV versions, nodes; the join token only with --show-token')
      .argument('<cluster-id>', 'the cluster ID, e.g. rke2-abc12345', clusterIdArg)
      .option('--show-token', 'print only the join token on stdout (nothing else)', false),
  )
    .addOption(outputOption())
    .action((id: string, opts: VaultFlags & { showToken: boolean; output: OutputFormat }) => {
      if (opts.showToken && opts.output === 'json') {
        throw usageError('--show-token prints only the token; it cannot be combined with --output json');
      }
      registrar.select('cluster show', { id, showToken: opts.showToken, output: opts.output, vault: vaultFlags(opts) }, async (ctx, input) =>
        (await import('../../app/cluster-show.js')).runClusterShow(ctx, input),
      );
    });

  addVaultOptions(
    cluster
      .command('delete')
      .description('delete a cluster from Vault: every version, its metadata, its node entries and admin kubeconfig')
      .argument('<cluster-id>', 'the cluster ID, e.g. rke2-abc12345', clusterIdArg)
      .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)', false)
      .option('--force', 'delete even while servers are registered', false)
      .option('--dry-run', 'print what would be deleted; change nothing', false),
  )
    .addOption(outputOption())
    .action((id: string, opts: VaultFlags & { yes: boolean; force: boolean; dryRun: boolean; output: OutputFormat }) => {
      const input = { id, yes: opts.yes, output: opts.output, vault: vaultFlags(opts), ...(opts.force ? { force: true } : {}), ...(opts.dryRun ? { dryRun: true } : {}) };
      registrar.select('cluster delete', input, async (ctx, input) =>
        (await import('../../app/cluster-delete.js')).runClusterDelete(ctx, input),
      );
    });

  const node = cluster.command('node').description('the node entries of a cluster in Vault');
  addVaultOptions(
    node
      .command('remove')
      .description('remove one node entry from a cluster in Vault (a dead, replaced or uninstalled node); the node itself is not touched')
      .argument('<cluster-id>', 'the cluster ID, e.g. rke2-abc12345', clusterIdArg)
      .argument('<node>', 'the node name the entry is listed under (edgectl cluster show ID)', nodeNameArg)
      .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)', false)
      .option('--dry-run', 'print what would be removed; change nothing', false),
  )
    .addOption(outputOption())
    .action((id: string, name: string, opts: VaultFlags & { yes: boolean; dryRun: boolean; output: OutputFormat }) => {
      const input = { clusterId: id, node: name, yes: opts.yes, dryRun: opts.dryRun, output: opts.output, vault: vaultFlags(opts) };
      registrar.select('cluster node remove', input, async (ctx, i) => (await import('../../app/cluster-node-remove.js')).runNodeRemove(ctx, i));
    });
}
