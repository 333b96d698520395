/** Phase: stop RKE2 and remove it with its data through rke2.sh uninstall (rke2 uninstall). */
import { HOST_PATHS } from '../../core/host-paths.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';

/** rke2.sh uninstall --yes; also what it left when RKE2 is not installed. */
export function uninstallRke2Step(ctx: Context, installed: boolean): Step {
  return {
    id: 'uninstall',
    title: installed ? 'Uninstall RKE2' : 'Remove what rke2.sh left (RKE2 is not installed)',
    ownProgress: true,
    run: async (gate) => {
      await gate.change(`run the embedded rke2.sh uninstall --yes: rke2-uninstall.sh stops RKE2 and removes it with its data; ${HOST_PATHS.dropIn} and ${HOST_PATHS.joinTokenFile} are removed`, async () => {
        await ctx.host.runScript(ctx, { script: 'rke2.sh', args: ['uninstall', '--yes'], title: 'rke2.sh uninstall' });
      });
    },
  };
}
