/** Phase: rotate the cluster token with RKE2's own `rke2 token rotate` (rke2 token rotate). */
import { HOST_PATHS } from '../../core/host-paths.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';

/** Run rke2.sh token-rotate: no token on any command line or environment; nothing is restarted. */
export function rotateTokenStep(ctx: Context): Step {
  return {
    id: 'rotate',
    title: 'Rotate the cluster token with RKE2',
    ownProgress: true,
    run: async (gate) => {
      await gate.change('run the embedded rke2.sh token-rotate: rke2 token rotate with no token on its command line or in its environment (RKE2 reads the current token from its token file and generates the new one)', async () => {
        await ctx.host.runScript(ctx, { script: 'rke2.sh', args: ['token-rotate'], title: 'rke2.sh token-rotate' });
      });
      gate.note(`the new token goes to ${HOST_PATHS.joinTokenFile} (0600), which the drop-in references; nothing is restarted`);
    },
  };
}
