/** Phase: store the token RKE2 generated in Vault and mark the cluster ready (rke2 server, bootstrap). */
import { EdgectlError } from '../../core/errors.js';
import { HOST_PATHS } from '../../core/host-paths.js';
import { Secret } from '../../core/secret.js';
import { mergedTags } from '../../core/validate-tags.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';
import { rke2VersionOnHost } from '../rke2-node-entry.js';
import { clusterApiPath, findCluster } from '../rke2-vault.js';
import type { VaultSession } from '../vault-session.js';

/** The bootstrap's registration, as the publication completes it. */
export interface PublishTokenFacts {
  clusterId: string;
  /** the registration URL */
  server: string;
  host: string;
  address: string;
  /** --tag of this run, merged into the stored tags */
  tags: Array<[string, string]>;
}

/** Read the server's token file and write it to the cluster's entry with check-and-set: token, server, state=ready. */
export function publishTokenStep(ctx: Context, store: VaultSession, f: PublishTokenFacts): Step {
  const path = clusterApiPath(store, f.clusterId);
  const server = f.server;
  const publishToken = async (): Promise<void> => {
    const token = await ctx.host.readTokenFile(HOST_PATHS.serverTokenFile);
    if (token === undefined) throw new EdgectlError('hostStep', `RKE2 did not write ${HOST_PATHS.serverTokenFile}`);
    const current = await findCluster(store, f.clusterId);
    if (current === undefined) throw new EdgectlError('vaultState', `cluster ${f.clusterId} disappeared from Vault during the bootstrap`);
    if (current.state === 'ready' && !current.token.isEmpty() && !current.token.equals(token)) {
      // Vault's token is the truth once the cluster is ready: only a rotation changes it
      throw new EdgectlError('vaultState', `cluster ${f.clusterId} in Vault holds another token than this server's ${HOST_PATHS.serverTokenFile}`, {
        hint: 'edgectl rke2 status shows which one is newer; edgectl rke2 token rotate publishes an unfinished rotation, edgectl rke2 token sync puts the current token in place',
      });
    }
    const rke2Version = (await rke2VersionOnHost(ctx)) ?? current.metadata.rke2Version;
    // --tag on the re-run that completes a bootstrap: merged into the tags the registration stored
    const tags = mergedTags(current.metadata.tags, f.tags);
    // a registration whose metadata write failed half-way left none: this server fills it in
    const origin = current.metadata.hostname === undefined ? { hostname: f.host, ip: f.address } : {};
    if (current.state !== 'ready' || !current.token.equals(token) || current.server !== server || current.metadata.rke2Version !== rke2Version || tags !== undefined || current.metadata.hostname === undefined) {
      await store.registry.updateCluster(
        current,
        { state: 'ready', server, token: new Secret(token), metadata: { ...origin, ...(rke2Version === undefined ? {} : { rke2Version }), ...(tags === undefined ? {} : { tags }) } },
        ctx.clock.now(),
      );
    }
  };
  return {
    id: 'vault-publish',
    title: 'Store the join token in Vault',
    run: async (gate) => {
      gate.note(`read ${HOST_PATHS.serverTokenFile} (written by RKE2)`);
      await gate.change(`update ${path} with check-and-set: token, server, state=ready`, () => publishToken());
      gate.note('custom_metadata: rke2_version');
    },
  };
}
