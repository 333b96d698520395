/** Phase: check that the server an agent joins is the cluster its token belongs to (rke2 agent). */
import type { Context } from '../context.js';
import type { Step } from '../plan.js';

/** GET the server's CA and compare it with the token's CA hash, in the preflight: before anything changes. */
export function checkServerCaStep(ctx: Context, server: string, caHash: string): Step {
  return {
    id: 'ca-check',
    title: `Check the server CA at ${server}`,
    preflight: async () => {
      await ctx.host.verifyServerCa(server, caHash);
    },
    run: async (gate) => {
      // a read, not a change: the preflight made it, before anything changed (in --dry-run too)
      gate.note(`GET ${server}/cacerts and compare its sha256 with the token's CA hash`);
    },
  };
}
