/** `edgectl vault …`: check the Vault setup edgectl depends on. */
import { type Command, Option } from 'commander';
import { VAULT_ROLES, type VaultRole } from '../../core/vault-layout.js';
import type { Registrar } from '../program.js';
import { type OutputFormat, type VaultFlags, addVaultOptions, clusterIdArg, outputOption, vaultFlags } from '../options.js';

export function registerVaultCommands(program: Command, registrar: Registrar): void {
  const vault = program.command('vault').description('check the Vault setup edgectl depends on');

  addVaultOptions(
    vault
      .command('check')
      .description('check reachability, seal state, login, the KV v2 mount and the token\'s capabilities on rke2/*; each as pass/fail with the fix')
      .option('--cluster-id <id>', 'check the capabilities on this cluster\'s paths (default: a sample ID)', clusterIdArg)
      .addOption(
        new Option('--role <role>', 'whose capabilities to check, against that role\'s README policy: server, agent, operator, or all (each role; passes when the token serves at least one, and names the roles it serves)')
          .choices([...VAULT_ROLES])
          .default('all'),
      ),
  )
    .addOption(outputOption())
    .action((opts: VaultFlags & { clusterId?: string; role: VaultRole; output: OutputFormat }) => {
      registrar.select(
        'vault check',
        { clusterId: opts.clusterId, role: opts.role, output: opts.output, vault: vaultFlags(opts) },
        async (ctx, input) => (await import('../../app/vault-check.js')).runVaultCheck(ctx, input),
      );
    });
}
