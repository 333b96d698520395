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
import type { Secret } from '../core/secret.js';
import { usageError } from '../core/errors.js';
import type { InstallOptions } from '../core/install-options.js';
import { configFileProblems, keysSetByFlags } from '../core/validate-config.js';
import type { Context } from './context.js';

/**
 * Check --config-file (file facts, then its YAML) and return the plan line that
 * stands for it: its path and sha256, never its content.
 */
export async function checkConfigFile(ctx: Context, install: InstallOptions): Promise<string | undefined> {
  if (install.configFile === undefined) return undefined;
  const facts = await ctx.host.readConfigFile(install.configFile);
  const problems = configFileProblems(facts.path, facts.text, keysSetByFlags(install));
  if (problems.length > 0) throw usageError(problems.join('\n  '), 'RKE2 settings as plain key: value lines; the token and the server come from edgectl');
  return `append --config-file ${facts.path} to the drop-in (sha256 ${facts.sha256}, ${facts.bytes} bytes; content not shown)`;
}

/** Run the script's own checks for an install (`rke2.sh ROLE ARGS --dry-run`); throws its error (exit 2/3…) when it refuses. */
export async function scriptPreflight(ctx: Context, role: 'server' | 'agent', args: readonly string[], token: Secret | undefined): Promise<void> {
  const handle = ctx.ui.step(`Check the inputs and this host (rke2.sh ${role} --dry-run)`);
  try {
    await ctx.host.runScript(ctx, {
      script: 'rke2.sh',
      args: [...args, '--dry-run'],
      title: `rke2.sh ${role} --dry-run`,
      quiet: true,
      ...(token !== undefined ? { stdinSecret: token } : {}),
    });
  } catch (err) {
    handle.fail();
    throw err;
  }
  handle.done();
}
