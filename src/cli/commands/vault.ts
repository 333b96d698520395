/** `edgectl vault …`: set up and check the Vault side edgectl depends on. */
import { type Command, Option } from 'commander';
import { VAULT_ROLES, type VaultRole } from '../../core/vault-layout.js';
import type { Registrar } from '../program.js';
import { type OutputFormat, type VaultFlags, addVaultOptions, clusterIdArg, outputOption, vaultFlags } from '../options.js';

export function registerVaultCommands(program: Command, registrar: Registrar): void {
  const vault = program.command('vault').description('set up and check the Vault side edgectl depends on');

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

  addVaultOptions(
    vault
      .command('setup')
      .description('make Vault ready for edgectl, idempotently: the KV v2 mount, the AppRole auth method, the operator and bootstrap policies; with --cluster-id also that cluster\'s server and agent policies and AppRole roles')
      .option('--cluster-id <id>', 'also the policies and AppRole roles of this cluster\'s servers and agents', clusterIdArg)
      .option('--approle-mount <mount>', 'AppRole auth mount (default: $EDGECTL_VAULT_APPROLE_MOUNT or "approle")')
      .option('--dry-run', 'print the exact Vault calls setup would make; change nothing'),
  )
    .addOption(outputOption())
    .action((opts: VaultFlags & { clusterId?: string; approleMount?: string; dryRun?: boolean; output: OutputFormat }) => {
      registrar.select(
        'vault setup',
        { clusterId: opts.clusterId, approleMount: opts.approleMount, dryRun: opts.dryRun === true, output: opts.output, vault: vaultFlags(opts) },
        async (ctx, input) => (await import('../../app/vault-setup.js')).runVaultSetup(ctx, input),
      );
    });
}
