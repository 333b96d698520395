/** Phase: remove edgectl's own files from the host, the cluster ID last (rke2 uninstall). */
import { HOST_PATHS } from '../../core/host-paths.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';

/** The join token file, then the node name file (only when Vault was consulted), then the cluster ID file. */
export function removeLocalFilesStep(ctx: Context, f: { nodeName: string; vaultConsulted: boolean }): Step {
  return {
    id: 'local-files',
    title: 'Remove edgectl\'s files from this host',
    run: async (gate) => {
      await gate.change(`remove ${HOST_PATHS.joinTokenFile} and ${HOST_PATHS.clusterIdFile} (last, so a re-run still knows the cluster)`, async () => {
        await ctx.host.removeFile(HOST_PATHS.joinTokenFile);
        if (f.vaultConsulted) await ctx.host.removeFile(HOST_PATHS.nodeNameFile);
        await ctx.host.removeFile(HOST_PATHS.clusterIdFile);
      });
      gate.note(f.vaultConsulted
        ? `remove ${HOST_PATHS.nodeNameFile}`
        : `keep ${HOST_PATHS.nodeNameFile} (${f.nodeName}): Vault is not consulted without --deregister, and a later --deregister needs the name`);
    },
  };
}
