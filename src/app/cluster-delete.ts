/** `edgectl cluster delete ID`: remove a cluster from Vault completely, after confirmation. */
import type { VaultFlags } from '../core/command-options.js';
import { EdgectlError, usageError } from '../core/errors.js';
import { adminKubeconfigPath, clusterSecretPath, nodesFolder } from '../core/vault-layout.js';
import { VaultError } from '../core/vault-errors.js';
import { type Context, writeJson, writeOut } from './context.js';
import { confirmByTyping } from './prompt.js';
import { openVault } from './vault-session.js';

export interface ClusterDeleteInput {
  id: string;
  yes: boolean;
  output: 'text' | 'json';
  vault: VaultFlags;
  /** print what would be deleted; delete nothing */
  dryRun?: boolean;
  /** delete even while servers are registered */
  force?: boolean;
}

/** The --output json shape of `cluster delete`. */
export interface ClusterDeleteJson {
  id: string;
  deleted: true;
  versions: number;
  nodes_deleted: number;
  kubeconfig_deleted: boolean;
}

/** The --output json shape of `cluster delete --dry-run`. */
export interface ClusterDeletePlanJson {
  id: string;
  dry_run: true;
  deleted: false;
  versions: number;
  nodes: Array<{ name: string; role: string }>;
  kubeconfig_path: string;
}

/** Delete a cluster (all versions, metadata, node entries, admin kubeconfig); asks first unless --yes. */
export async function runClusterDelete(ctx: Context, input: ClusterDeleteInput): Promise<void> {
  if (!input.yes && input.dryRun !== true && !ctx.stdinIsTTY) {
    // decided before touching Vault: a script must say --yes explicitly (a usage error, like rke2 uninstall)
    throw usageError(`refusing to delete cluster ${input.id} without confirmation: stdin is not a terminal`, `pass --yes to delete without asking: edgectl cluster delete ${input.id} --yes`);
  }
  const vault = await openVault(ctx, input.vault);
  try {
    const history = await vault.registry.readClusterHistory(input.id);
    const keys = (await vault.kv.list(nodesFolder(input.id))).filter((k) => !k.endsWith('/'));
    if (history === undefined && keys.length === 0) {
      throw new VaultError('not-found', `cluster ${input.id} is not registered in Vault (${vault.kv.metadataPath(clusterSecretPath(input.id))})`, {
        hint: 'check the cluster ID, the namespace and the mount (edgectl cluster list)',
      });
    }
    const nodes = keys.length === 0 ? [] : await vault.registry.listNodes(input.id);
    const servers = nodes.filter((n) => n.role === 'server').map((n) => n.name);
    if (servers.length > 0 && input.force !== true) {
      // a registered server means a cluster that may still run: its token would be gone for every node that joins or restarts later
      throw new EdgectlError('precondition', `cluster ${input.id} still has registered servers: ${servers.join(', ')}; nothing was deleted`, {
        hint: `uninstall them with sudo -E edgectl rke2 uninstall --deregister (the last one with --purge-cluster), remove the entries of servers that are gone with edgectl cluster node remove ${input.id} NODE, or pass --force to delete the cluster anyway`,
      });
    }
    const versions = history?.versions ?? 0;
    const kubeconfigPath = vault.kv.dataPath(adminKubeconfigPath(input.id));
    if (input.dryRun === true) {
      const plan: ClusterDeletePlanJson = { id: input.id, dry_run: true, deleted: false, versions, nodes: nodes.map((n) => ({ name: n.name, role: n.role })), kubeconfig_path: kubeconfigPath };
      if (input.output === 'json') writeJson(ctx, plan);
      else {
        const listed = nodes.map((n) => `${n.name} (${n.role})`).join(', ');
        writeOut(
          ctx,
          [
            `Plan for edgectl cluster delete ${input.id}:`,
            `1. delete ${vault.kv.metadataPath(clusterSecretPath(input.id))}: ${versions} version(s) of the join token and the metadata`,
            `2. delete ${keys.length} node entr${keys.length === 1 ? 'y' : 'ies'}${listed === '' ? '' : `: ${listed}`}`,
            `3. delete ${kubeconfigPath} if it exists`,
            '(dry run: nothing was changed)',
          ].join('\n'),
        );
      }
      return;
    }
    if (!input.yes) {
      const ok = await confirmByTyping(
        ctx,
        `Delete cluster ${input.id} from Vault at ${vault.config.address}: ${versions} version(s) of its join token, its metadata and ${keys.length} node entr${keys.length === 1 ? 'y' : 'ies'}? Nodes of this cluster can no longer join. This cannot be undone.`,
        input.id,
      );
      if (!ok) throw new EdgectlError('failed', `not deleted: the confirmation did not match ${input.id}`);
    }
    if (servers.length > 0) ctx.ui.warn(`deleting cluster ${input.id} while servers are registered (--force): ${servers.join(', ')}`);
    const result = await vault.registry.deleteCluster(input.id);
    if (!result.kubeconfigDeleted) {
      ctx.ui.warn(`the admin kubeconfig at ${kubeconfigPath} was left in place: this token may not delete it`);
    }
    const json: ClusterDeleteJson = {
      id: input.id,
      deleted: true,
      versions,
      nodes_deleted: result.nodes,
      kubeconfig_deleted: result.kubeconfigDeleted,
    };
    if (input.output === 'json') writeJson(ctx, json);
    else writeOut(ctx, `deleted cluster ${input.id} (${json.versions} version(s), ${json.nodes_deleted} node entr${json.nodes_deleted === 1 ? 'y' : 'ies'})`);
  } finally {
    await vault.close();
  }
}
