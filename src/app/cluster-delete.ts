/** `edgectl cluster delete ID`: remove a cluster from Vault completely, after confirmation. */
import type { VaultFlags } from '../cli/options.js';
import { EdgectlError } from '../core/errors.js';
import { adminKubeconfigPath, clusterSecretPath, nodesFolder } from '../core/vault-layout.js';
import { VaultError } from '../adapters/vault/errors.js';
import { type Context, writeJson, writeOut } from './context.js';
import { confirmByTyping } from './prompt.js';
import { openVault } from './vault-session.js';

export interface ClusterDeleteInput {
  id: string;
  yes: boolean;
  output: 'text' | 'json';
  vault: VaultFlags;
}

/** The --output json shape of `cluster delete`. */
export interface ClusterDeleteJson {
  id: string;
  deleted: true;
  versions: number;
  nodes_deleted: number;
  kubeconfig_deleted: boolean;
}

/** Delete a cluster (all versions, metadata, node entries, admin kubeconfig); asks first unless --yes. */
export async function runClusterDelete(ctx: Context, input: ClusterDeleteInput): Promise<void> {
  if (!input.yes && !ctx.stdinIsTTY) {
    // decided before touching Vault: a script must say --yes explicitly
    throw new EdgectlError('precondition', `refusing to delete cluster ${input.id} without confirmation: stdin is not a terminal`, {
      hint: `pass --yes to delete without asking: edgectl cluster delete ${input.id} --yes`,
    });
  }
  const vault = openVault(ctx, input.vault);
  try {
    const history = await vault.registry.readClusterHistory(input.id);
    const nodes = (await vault.kv.list(nodesFolder(input.id))).filter((k) => !k.endsWith('/'));
    if (history === undefined && nodes.length === 0) {
      throw new VaultError('not-found', `cluster ${input.id} is not registered in Vault (${vault.kv.metadataPath(clusterSecretPath(input.id))})`, {
        hint: 'check the cluster ID, the namespace and the mount (edgectl cluster list)',
      });
    }
    if (!input.yes) {
      const ok = await confirmByTyping(
        ctx,
        `Delete cluster ${input.id} from Vault at ${vault.config.address}: ${history?.versions ?? 0} version(s) of its join token, its metadata and ${nodes.length} node entr${nodes.length === 1 ? 'y' : 'ies'}? Nodes of this cluster can no longer join. This cannot be undone.`,
        input.id,
      );
      if (!ok) throw new EdgectlError('failed', `not deleted: the confirmation did not match ${input.id}`);
    }
    const result = await vault.registry.deleteCluster(input.id);
    if (!result.kubeconfigDeleted) {
      ctx.ui.warn(`the admin kubeconfig at ${vault.kv.dataPath(adminKubeconfigPath(input.id))} was left in place: this token may not delete it`);
    }
    const json: ClusterDeleteJson = {
      id: input.id,
      deleted: true,
      versions: history?.versions ?? 0,
      nodes_deleted: result.nodes,
      kubeconfig_deleted: result.kubeconfigDeleted,
    };
    if (input.output === 'json') writeJson(ctx, json);
    else writeOut(ctx, `deleted cluster ${input.id} (${json.versions} version(s), ${json.nodes_deleted} node entr${json.nodes_deleted === 1 ? 'y' : 'ies'})`);
  } finally {
    await vault.close();
  }
}
