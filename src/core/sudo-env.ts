/**
 * sudo drops VAULT_* from the environment unless it runs with -E: edgectl then
 * sees no Vault and carries on in its no-Vault mode (exit 0). Pure: the
 * warning edgectl prints when that looks like what happened.
 */

/** The warning block for a run under sudo (SUDO_USER set) with no Vault address at all, or undefined. */
export function sudoDroppedVaultWarning(env: Readonly<Record<string, string | undefined>>, command?: string): string | undefined {
  const user = env.SUDO_USER;
  if (user === undefined || user === '') return undefined;
  const bar = '!'.repeat(78);
  return [
    bar,
    `edgectl runs under sudo (SUDO_USER=${user}) and sees no Vault address (VAULT_ADDR or --vault-addr).`,
    'sudo removes VAULT_* from the environment unless it is run with -E, so this run goes on',
    'WITHOUT Vault: nothing is read from or written to Vault, and a join token stays on this host only.',
    `If you meant to use Vault, stop now (Ctrl-C) and run the same command as:  sudo -E edgectl ${command === undefined ? '' : `${command} `}…`,
    'To run without Vault on purpose and silence this warning, pass --no-vault.',
    bar,
  ].join('\n');
}
