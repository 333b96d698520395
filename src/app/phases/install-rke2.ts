/** Phase: install, configure and start RKE2 through the embedded rke2.sh (rke2 server, rke2 agent). */
import { type InstallOptions, installOptionArgs } from '../../core/install-options.js';
import type { Secret } from '../../core/secret.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';
import { checkConfigFile, scriptPreflight } from '../rke2-preflight.js';

/**
 * Arguments of `rke2.sh server|agent`; a token goes to stdin (--token-file -),
 * never into argv. A token without a server is a bootstrap server's own token
 * (configured as token-file after a rotation).
 */
function scriptArgsFor(role: 'server' | 'agent', install: InstallOptions, join: { server?: string } | undefined): string[] {
  const args: string[] = [role, ...installOptionArgs(install)];
  if (join?.server !== undefined) args.push('--server', join.server);
  if (join !== undefined) args.push('--token-file', '-');
  return args;
}

/** Install/configure/start RKE2 through the embedded script. */
export function installRke2Step(ctx: Context, role: 'server' | 'agent', install: InstallOptions, join: { server?: string; token: Secret } | undefined): Step {
  const args = scriptArgsFor(role, install, join);
  let configLine: string | undefined;
  return {
    id: 'install',
    title: `Install and start RKE2 ${role}`,
    ownProgress: true,
    preflight: async () => {
      configLine = await checkConfigFile(ctx, install);
      await scriptPreflight(ctx, role, args, join?.token);
    },
    run: async (gate) => {
      await gate.change(`run the embedded rke2.sh ${args.join(' ')}${join !== undefined ? '   (token on stdin)' : ''}`, () =>
        ctx.host.runScript(ctx, {
          script: 'rke2.sh',
          args,
          title: `rke2.sh ${role}`,
          ...(join !== undefined ? { stdinSecret: join.token } : {}),
        }),
      );
      if (configLine !== undefined) gate.note(configLine);
    },
  };
}
