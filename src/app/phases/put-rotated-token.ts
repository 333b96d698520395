/** Phase: after an interrupted rotation, put the rotated token in place on this server (rke2 token rotate, recovering). */
import { EdgectlError } from '../../core/errors.js';
import { HOST_PATHS } from '../../core/host-paths.js';
import { Secret } from '../../core/secret.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';

/** rke2.sh token-sync with the token of this server's token file on stdin: the join token file, no restart. */
export function putRotatedTokenStep(ctx: Context): Step {
  return {
    id: 'local-token',
    title: 'Put the new token in place on this server',
    ownProgress: true,
    run: async (gate) => {
      await gate.change(`run the embedded rke2.sh token-sync --token-file - (the token from ${HOST_PATHS.serverTokenFile} on stdin): ${HOST_PATHS.joinTokenFile}, no restart`, async () => {
        const token = await ctx.host.readTokenFile(HOST_PATHS.serverTokenFile);
        if (token === undefined) throw new EdgectlError('hostStep', `${HOST_PATHS.serverTokenFile} disappeared`);
        await ctx.host.runScript(ctx, { script: 'rke2.sh', args: ['token-sync', '--token-file', '-'], title: 'rke2.sh token-sync', stdinSecret: new Secret(token) });
      });
    },
  };
}
