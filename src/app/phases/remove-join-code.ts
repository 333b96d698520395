/** Phase: the last one of a join with a code (rke2 server|agent --join-code-file). */
import { JOIN_SESSION_FILE } from '../../core/join-session.js';
import { showPath } from '../../core/show-path.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';

/** The code file and the session file go (the code is used; the token is no longer needed). */
export function removeJoinCodeStep(ctx: Context, file: string): Step {
  return {
    id: 'join-code-cleanup',
    title: 'Remove the used join code',
    run: async (gate) => {
      if (file !== '-') await gate.change(`remove ${showPath(file)} (the used join code)`, async () => void (await ctx.host.removeFile(file)));
      await gate.change(`remove ${JOIN_SESSION_FILE} (the join's Vault token)`, async () => void (await ctx.host.removeFile(JOIN_SESSION_FILE)));
    },
  };
}
