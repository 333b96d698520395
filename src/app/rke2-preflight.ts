/**
 * Preflight of `rke2 server` / `rke2 agent`: before the first change (the
 * cluster ID file, a Vault registration) and in --dry-run alike, run the
 * embedded `rke2.sh server|agent … --dry-run` with the same arguments and the
 * same token on stdin. Its dry run performs every check the real run does
 * (flags, root, tools, token file, config file, air-gap artifacts and their
 * checksum, the installer, a host that already has the other role) and
 * changes nothing, so what the script would refuse is refused before edgectl
 * has touched the host or Vault.
 */
import { runEmbeddedScript } from '../adapters/host/script-runner.js';
import type { Context } from './context.js';

/** Run the script's own checks for an install (`rke2.sh ROLE ARGS --dry-run`); throws its error (exit 2/3…) when it refuses. */
export async function scriptPreflight(ctx: Context, role: 'server' | 'agent', args: readonly string[], token: string | undefined): Promise<void> {
  const handle = ctx.ui.step(`Check the inputs and this host (rke2.sh ${role} --dry-run)`);
  try {
    await runEmbeddedScript(ctx, {
      script: 'rke2.sh',
      args: [...args, '--dry-run'],
      title: `rke2.sh ${role} --dry-run`,
      quiet: true,
      ...(token !== undefined ? { stdinSecret: `${token}\n` } : {}),
    });
  } catch (err) {
    handle.fail();
    throw err;
  }
  handle.done();
}
