/** `edgectl apply -f cluster.yaml`: a whole cluster from one file, over SSH. */
import type { Command } from 'commander';
import type { Registrar } from '../program.js';
import { type OutputFormat, type VaultFlags, addVaultOptions, outputOption, positiveInt, vaultFlags } from '../options.js';

export const APPLY_DESCRIPTION = 'make a cluster file true on its hosts over SSH: bootstrap, joins (each host pulls its own credential from Vault)';

export function registerApplyCommand(program: Command, registrar: Registrar): void {
  addVaultOptions(
    program
      .command('apply')
      .description(APPLY_DESCRIPTION)
      .requiredOption('-f, --file <cluster.yaml>', 'the cluster file (edgectl init writes one)')
      .option('--dry-run', 'connect, gather facts and print the plan for every host; change nothing on any host or in Vault', false)
      .option('--concurrency <n>', 'agents joined at once (default: options.concurrency of the file, 5)', positiveInt)
      .option('--accept-new-host-keys', 'record the keys of hosts seen for the first time in the known_hosts file (a changed key is always refused)', false)
      .option('--known-hosts <file>', 'known_hosts file to check host keys against (default ~/.ssh/known_hosts)')
      .option('--ssh-timeout <seconds>', 'SSH connection timeout per host', positiveInt, 30)
      .option('--edgectl-binary <file>', 'the edgectl executable to put on the hosts (default: this one, when it is the single executable)')
      .option('--no-drain', 'in a rolling upgrade (a new rke2.version), do not cordon and drain each node before its upgrade'),
  )
    .addOption(outputOption())
    .addHelpText(
      'after',
      '\nThe operator credential (VAULT_TOKEN, or AppRole) needs the setup-admin and operator policies (README "vault setup"):\napply writes the cluster\'s policies and roles and mints one single-use join code per host.\nExamples:\n  edgectl init 10.0.0.10 10.0.0.11 10.0.0.12 > cluster.yaml\n  edgectl apply -f cluster.yaml --dry-run\n  edgectl apply -f cluster.yaml --accept-new-host-keys\n',
    )
    .action((opts: VaultFlags & { file: string; dryRun: boolean; concurrency?: number; acceptNewHostKeys: boolean; knownHosts?: string; sshTimeout: number; edgectlBinary?: string; drain: boolean; output: OutputFormat }) => {
      registrar.select(
        'apply',
        {
          file: opts.file,
          dryRun: opts.dryRun,
          concurrency: opts.concurrency,
          output: opts.output,
          acceptNewHostKeys: opts.acceptNewHostKeys,
          knownHosts: opts.knownHosts,
          sshTimeoutMs: opts.sshTimeout * 1000,
          edgectlBinary: opts.edgectlBinary,
          noDrain: !opts.drain,
          vault: vaultFlags(opts),
        },
        async (ctx, input) => (await import('../../app/apply.js')).runApply(ctx, input),
      );
    });
}

export const STATUS_DESCRIPTION = 'every host of a cluster file (over SSH, read-only) beside the cluster in Vault';

/** SSH options the many-host commands share. */
function addSshOptions(cmd: Command): Command {
  return cmd
    .option('--accept-new-host-keys', 'record the keys of hosts seen for the first time in the known_hosts file (a changed key is always refused)', false)
    .option('--known-hosts <file>', 'known_hosts file to check host keys against (default ~/.ssh/known_hosts)')
    .option('--ssh-timeout <seconds>', 'SSH connection timeout per host', positiveInt, 30);
}

export function registerStatusCommand(program: Command, registrar: Registrar): void {
  addVaultOptions(addSshOptions(program.command('status').description(STATUS_DESCRIPTION).requiredOption('-f, --file <cluster.yaml>', 'the cluster file')))
    .addOption(outputOption())
    .addHelpText('after', '\nExit 0 when every host runs its role in the cluster, 1 when any does not (the report says which).\n')
    .action((opts: VaultFlags & { file: string; acceptNewHostKeys: boolean; knownHosts?: string; sshTimeout: number; output: OutputFormat }) => {
      registrar.select(
        'status',
        { file: opts.file, output: opts.output, acceptNewHostKeys: opts.acceptNewHostKeys, knownHosts: opts.knownHosts, sshTimeoutMs: opts.sshTimeout * 1000, vault: vaultFlags(opts) },
        async (ctx, input) => (await import('../../app/fleet-status.js')).runFleetStatus(ctx, input),
      );
    });
}
