/** `edgectl apply -f cluster.yaml`: a whole cluster from one file, over SSH. */
import type { Command } from 'commander';
import type { Registrar } from '../program.js';
import { type OutputFormat, type VaultFlags, addVaultOptions, collect, outputOption, positiveInt, vaultFlags } from '../options.js';

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
      .option('--ask-sudo-password', 'ask once on the terminal for the password sudo needs on the hosts with sudo: true (default: sudo must not ask)', false)
      .option('--sudo-password-file <file>', 'read that password from a 0600 file instead')
      .option('--inventory <file>', 'take the hosts from an Ansible YAML inventory instead of spec.hosts (groups mapped to roles)')
      .option('--server-group <name>', 'inventory group whose hosts are servers (repeatable; default servers, server, rke2_servers, masters, control_plane)', collect)
      .option('--agent-group <name>', 'inventory group whose hosts are agents (repeatable; default agents, agent, rke2_agents, workers, nodes)', collect)
      .option('--no-drain', 'in a rolling upgrade (a new rke2.version), do not cordon and drain each node before its upgrade'),
  )
    .addOption(outputOption())
    .addHelpText(
      'after',
      '\nThe operator credential (VAULT_TOKEN, or AppRole) needs the setup-admin and operator policies (README "vault setup"):\napply writes the cluster\'s policies and roles and mints one single-use join code per host.\nExamples:\n  edgectl init 10.0.0.10 10.0.0.11 10.0.0.12 > cluster.yaml\n  edgectl apply -f cluster.yaml --dry-run\n  edgectl apply -f cluster.yaml --accept-new-host-keys\n',
    )
    .action((opts: VaultFlags & { file: string; dryRun: boolean; concurrency?: number; acceptNewHostKeys: boolean; knownHosts?: string; sshTimeout: number; askSudoPassword?: boolean; sudoPasswordFile?: string; edgectlBinary?: string; inventory?: string; serverGroup?: string[]; agentGroup?: string[]; drain: boolean; output: OutputFormat }) => {
      registrar.select(
        'apply',
        {
          file: opts.file,
          dryRun: opts.dryRun,
          concurrency: opts.concurrency,
          output: opts.output,
          acceptNewHostKeys: opts.acceptNewHostKeys,
          knownHosts: opts.knownHosts,
          sshTimeoutMs: opts.sshTimeout * 1000, sudo: sudoFlags(opts),
          edgectlBinary: opts.edgectlBinary,
          noDrain: !opts.drain,
          vault: vaultFlags(opts),
          ...(opts.inventory === undefined ? {} : { inventory: { file: opts.inventory, serverGroups: opts.serverGroup ?? [], agentGroups: opts.agentGroup ?? [] } }),
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
    .option('--ssh-timeout <seconds>', 'SSH connection timeout per host', positiveInt, 30)
    .option('--ask-sudo-password', 'ask once on the terminal for the password sudo needs on the hosts with sudo: true (default: sudo must not ask)', false)
    .option('--sudo-password-file <file>', 'read that password from a 0600 file instead');
}

/** What the sudo flags say, for the use case. */
function sudoFlags(opts: { askSudoPassword?: boolean; sudoPasswordFile?: string }): { ask: boolean; passwordFile?: string } {
  return { ask: opts.askSudoPassword === true, ...(opts.sudoPasswordFile === undefined ? {} : { passwordFile: opts.sudoPasswordFile }) };
}

export function registerStatusCommand(program: Command, registrar: Registrar): void {
  addVaultOptions(addSshOptions(program.command('status').description(STATUS_DESCRIPTION).requiredOption('-f, --file <cluster.yaml>', 'the cluster file')))
    .addOption(outputOption())
    .addHelpText('after', '\nExit 0 when every host runs its role in the cluster, 1 when any does not (the report says which).\n')
    .action((opts: VaultFlags & { file: string; acceptNewHostKeys: boolean; knownHosts?: string; sshTimeout: number; askSudoPassword?: boolean; sudoPasswordFile?: string; output: OutputFormat }) => {
      registrar.select(
        'status',
        { file: opts.file, output: opts.output, acceptNewHostKeys: opts.acceptNewHostKeys, knownHosts: opts.knownHosts, sshTimeoutMs: opts.sshTimeout * 1000, sudo: sudoFlags(opts), vault: vaultFlags(opts) },
        async (ctx, input) => (await import('../../app/fleet-status.js')).runFleetStatus(ctx, input),
      );
    });
}

export const RESET_DESCRIPTION = 'uninstall RKE2 on every host of a cluster file over SSH (agents first, then servers one at a time)';

export function registerResetCommand(program: Command, registrar: Registrar): void {
  addVaultOptions(
    addSshOptions(
      program
        .command('reset')
        .description(RESET_DESCRIPTION)
        .requiredOption('-f, --file <cluster.yaml>', 'the cluster file')
        .option('--yes', 'do not ask (needed when stdin is not a terminal)', false)
        .option('--dry-run', 'connect, gather facts and print the plan for every host; change nothing', false)
        .option('--deregister', "delete the hosts' node entries from Vault (from this machine, with the operator credential)", false)
        .option('--purge-cluster', 'once every server of the cluster is reset, delete the cluster from Vault (implies --deregister)', false),
    ),
  )
    .addOption(outputOption())
    .addHelpText('after', '\nEach host runs its own edgectl rke2 uninstall --yes; no Vault credential is sent to it.\nExamples:\n  edgectl reset -f cluster.yaml --dry-run --deregister\n  edgectl reset -f agents.yaml --yes --deregister\n')
    .action((opts: VaultFlags & { file: string; yes: boolean; dryRun: boolean; deregister: boolean; purgeCluster: boolean; acceptNewHostKeys: boolean; knownHosts?: string; sshTimeout: number; askSudoPassword?: boolean; sudoPasswordFile?: string; output: OutputFormat }) => {
      registrar.select(
        'reset',
        {
          file: opts.file,
          yes: opts.yes,
          dryRun: opts.dryRun,
          deregister: opts.deregister,
          purgeCluster: opts.purgeCluster,
          output: opts.output,
          acceptNewHostKeys: opts.acceptNewHostKeys,
          knownHosts: opts.knownHosts,
          sshTimeoutMs: opts.sshTimeout * 1000, sudo: sudoFlags(opts),
          vault: vaultFlags(opts),
        },
        async (ctx, input) => (await import('../../app/fleet-reset.js')).runReset(ctx, input),
      );
    });
}

export const KUBECONFIG_DESCRIPTION = "merge a cluster file's admin kubeconfig (from Vault, else from a server over SSH) into ~/.kube/config";

export function registerKubeconfigCommand(program: Command, registrar: Registrar): void {
  addVaultOptions(
    addSshOptions(
      program
        .command('kubeconfig')
        .description(KUBECONFIG_DESCRIPTION)
        .requiredOption('-f, --file <cluster.yaml>', 'the cluster file')
        .option('--out <file>', 'merge into this file instead of ~/.kube/config ("-": print it on stdout)')
        .option('--context <name>', "name of the kubeconfig's cluster, user and context entries (default: the cluster ID)"),
    ),
  )
    .addHelpText('after', '\nThe kubeconfig holds the cluster admin\'s key: written with mode 0600, printed only with --out -.\n')
    .action((opts: VaultFlags & { file: string; out?: string; context?: string; acceptNewHostKeys: boolean; knownHosts?: string; sshTimeout: number; askSudoPassword?: boolean; sudoPasswordFile?: string }) => {
      registrar.select(
        'kubeconfig',
        { file: opts.file, out: opts.out, context: opts.context, acceptNewHostKeys: opts.acceptNewHostKeys, knownHosts: opts.knownHosts, sshTimeoutMs: opts.sshTimeout * 1000, sudo: sudoFlags(opts), vault: vaultFlags(opts) },
        async (ctx, input) => (await import('../../app/fleet-kubeconfig.js')).runFleetKubeconfig(ctx, input),
      );
    });
}
