/** `edgectl rke2 …`: install and operate RKE2 on this host. */
import { type Command, InvalidArgumentError } from 'commander';
import { usageError } from '../../core/errors.js';
import { serverUrlProblem } from '../../core/install-options.js';
import type { AgentInput } from '../../app/rke2-agent.js';
import type { KubeconfigInput } from '../../app/rke2-kubeconfig.js';
import type { ServerInput } from '../../app/rke2-server.js';
import type { StatusInput } from '../../app/rke2-status.js';
import type { TokenSource } from '../../app/token-input.js';
import type { TokenRotateInput } from '../../app/rke2-token-rotate.js';
import type { TokenSyncInput } from '../../app/rke2-token-sync.js';
import type { UninstallInput } from '../../app/rke2-uninstall.js';
import type { UpgradeInput } from '../../app/rke2-upgrade.js';
import type { Registrar } from '../program.js';
import { addInstallOptions, installOptionsFromFlags } from '../install-options.js';
import { registerCloudInitCommand, registerJoinCodeCommands } from './join-code.js';
import {
  type OutputFormat,
  type VaultFlags,
  addVaultOptions,
  clusterIdArg,
  outputOption,
  tagArg,
  vaultFlags,
} from '../options.js';

interface JoinFlags {
  clusterId?: string;
  token?: string;
  tokenFile?: string;
  tokenStdin?: boolean;
  server?: string;
  vault: boolean;
  dryRun?: boolean;
  output: OutputFormat;
}

function serverUrlArg(value: string): string {
  const problem = serverUrlProblem(value);
  // not InvalidArgumentError: commander would echo the raw value, credentials included
  if (problem !== undefined) throw usageError(problem, 'expected https://HOST:PORT, e.g. https://10.0.0.10:9345');
  return value.replace(/\/$/, '');
}

function tokenInput(o: JoinFlags): TokenSource | undefined {
  const given = [o.token !== undefined, o.tokenFile !== undefined, o.tokenStdin === true].filter(Boolean).length;
  if (given > 1) throw usageError('use only one of --token, --token-file, --token-stdin');
  if (o.tokenFile !== undefined) return { kind: 'file', path: o.tokenFile };
  if (o.tokenStdin === true) return { kind: 'stdin' };
  if (o.token !== undefined) return { kind: 'value', value: o.token };
  return undefined;
}

function addJoinOptions(cmd: Command): Command {
  return cmd
    .option('--cluster-id <id>', 'cluster ID in Vault, e.g. rke2-abc12345', clusterIdArg)
    .option('--server <url>', 'registration URL of an existing server, https://HOST:9345', serverUrlArg)
    .option('--token-file <file>', 'read the join token from a file (mode 0600/0400)')
    .option('--token-stdin', 'read the join token from stdin')
    .option('--token <token>', 'the join token (unsafe: visible in the process list and shell history)')
    .option('--no-vault', 'do not use Vault even if VAULT_ADDR is set')
    .option('--dry-run', 'print the plan and change nothing, locally or in Vault')
    .addOption(outputOption());
}

const FORCE_SKEW_HELP = 'join even when the RKE2 version breaks the Kubernetes version skew policy against the cluster\'s nodes in Vault (refused otherwise, exit 3)';

/** Register `rke2 server`, `rke2 add-master`, `rke2 agent` and the day-2 commands. */
export function registerRke2Commands(program: Command, registrar: Registrar): void {
  const rke2 = program.command('rke2').description('install and operate RKE2 on this host');

  const serverAction = (mode: ServerInput['mode']) => (o: JoinFlags & VaultFlags & { advertiseAddress?: string; tag?: Array<[string, string]>; force?: boolean; updateServerUrl?: boolean; joinCodeFile?: string }) => {
    const input: ServerInput = {
      mode,
      clusterId: o.clusterId,
      token: tokenInput(o),
      server: o.server,
      advertiseAddress: o.advertiseAddress,
      tags: o.tag ?? [],
      force: o.force === true,
      updateServerUrl: o.updateServerUrl === true,
      noVault: !o.vault,
      dryRun: o.dryRun === true,
      output: o.output,
      vault: vaultFlags(o),
      install: installOptionsFromFlags(o, 'server'),
      ...(o.joinCodeFile === undefined ? {} : { joinCodeFile: o.joinCodeFile }),
    };
    registrar.select(`rke2 ${mode}`, input, async (ctx, i) => (await import('../../app/rke2-server.js')).runServer(ctx, i));
  };

  for (const mode of ['server', 'add-master'] as const) {
    const cmd = rke2
      .command(mode)
      .description(
        mode === 'server'
          ? 'install an RKE2 server: bootstrap a new cluster (no --token/--cluster-id of an existing cluster) or join one as another server'
          : 'join an existing cluster as an additional server (same as `rke2 server --cluster-id ID`)',
      );
    addJoinOptions(cmd);
    cmd
      .option('--advertise-address <addr>', 'address agents use to reach this server, registered in Vault (default: first --tls-san, else the primary IP; a re-run keeps the registered one unless --update-server-url)')
      .option('--tag <key=value>', 'tag stored with a new cluster in Vault (repeatable)', tagArg)
      .option('--force', FORCE_SKEW_HELP)
      .option('--join-code-file <file>', 'join the cluster as another server with a single-use server join code (edgectl rke2 join-code --role server) from a 0600 file, or - for stdin; no other Vault setting needed')
      .option('--update-server-url', 'on a re-run against a ready cluster: allow --advertise-address to change the registration URL in Vault (refused otherwise, exit 3)');
    addInstallOptions(cmd, 'server');
    addVaultOptions(cmd);
    cmd.addHelpText(
      'after',
      mode === 'server'
        ? '\nExamples:\n  sudo -E edgectl rke2 server                         new cluster, token stored in Vault\n  sudo -E edgectl rke2 server --cluster-id rke2-abc12345  another server of that cluster\n  sudo edgectl rke2 server --no-vault                 new cluster, token stays on this host\n'
        : '\nExample:\n  sudo -E edgectl rke2 add-master --cluster-id rke2-abc12345\n',
    );
    cmd.action(serverAction(mode));
  }

  const agent = rke2
    .command('agent')
    .description('install an RKE2 agent and join the cluster whose token and server are in Vault (or given by --server/--token-file)');
  addJoinOptions(agent);
  agent.option('--join-code-file <file>', 'join with a single-use join code (edgectl rke2 join-code) from a 0600 file, or - for stdin; no other Vault setting needed');
  agent.option('--skip-ca-check', 'join even if the server CA cannot be checked against the token (unsafe)').option('--force', FORCE_SKEW_HELP);
  addInstallOptions(agent, 'agent');
  addVaultOptions(agent);
  agent.addHelpText('after', '\nExamples:\n  sudo -E edgectl rke2 agent --cluster-id rke2-abc12345\n  sudo edgectl rke2 agent --server https://10.0.0.10:9345 --token-file /root/token\n');
  agent.action((o: JoinFlags & VaultFlags & { skipCaCheck?: boolean; force?: boolean; joinCodeFile?: string }) => {
    const input: AgentInput = {
      clusterId: o.clusterId,
      token: tokenInput(o),
      server: o.server,
      skipCaCheck: o.skipCaCheck === true,
      force: o.force === true,
      noVault: !o.vault,
      dryRun: o.dryRun === true,
      output: o.output,
      vault: vaultFlags(o),
      install: installOptionsFromFlags(o, 'agent'),
      ...(o.joinCodeFile === undefined ? {} : { joinCodeFile: o.joinCodeFile }),
    };
    registrar.select('rke2 agent', input, async (ctx, i) => (await import('../../app/rke2-agent.js')).runAgent(ctx, i));
  });

  registerRke2Day2Commands(rke2, registrar);
  registerJoinCodeCommands(rke2, registrar);
  registerCloudInitCommand(rke2, registrar);
}

interface Day2Flags extends VaultFlags {
  clusterId?: string;
  dryRun?: boolean;
  vault?: boolean;
  output: OutputFormat;
}

/** Register the day-2 commands: `rke2 upgrade`, `rke2 token rotate|sync`, `rke2 status`, `rke2 uninstall`, `rke2 kubeconfig`. */
export function registerRke2Day2Commands(rke2: Command, registrar: Registrar): void {
  const clusterIdOption = (cmd: Command, what = 'default: /etc/edgectl/cluster-id'): Command =>
    cmd.option('--cluster-id <id>', `cluster ID in Vault (${what})`, clusterIdArg);

  const upgrade = rke2
    .command('upgrade')
    .description('upgrade RKE2 on this node: refuses a downgrade and an agent newer than the cluster\'s servers (unless --force), waits until ready, records the version in Vault');
  addInstallOptions(upgrade, 'upgrade', { below: 5 });
  upgrade.option('--force', 'allow a downgrade, a reinstall, or an agent newer than the servers', false);
  addInstallOptions(upgrade, 'upgrade', { from: 5 });
  upgrade
    .option('--no-vault', 'do not use Vault (no server version check, nothing recorded)')
    .option('--dry-run', 'resolve the target, check everything, print the plan; change nothing');
  clusterIdOption(upgrade).addOption(outputOption());
  addVaultOptions(upgrade);
  upgrade.addHelpText(
    'after',
    '\nExamples:\n  sudo -E edgectl rke2 upgrade --version v1.30.6+rke2r1          on each server first, then on each agent\n  sudo -E edgectl rke2 upgrade --channel stable --dry-run         show the resolved target and the plan\n  sudo -E edgectl rke2 upgrade --airgap-dir /srv/rke2-v1.30.6     air-gapped: the artifacts fix the version\n',
  );
  upgrade.action((o: Day2Flags & { version?: string; channel?: string; airgapDir?: string; installScript?: string; force: boolean; waitTimeout?: number }) => {
    const input: UpgradeInput = {
      clusterId: o.clusterId,
      version: o.version,
      channel: o.channel,
      airgapDir: o.airgapDir,
      installScript: o.installScript,
      waitTimeout: o.waitTimeout,
      force: o.force,
      noVault: o.vault === false,
      dryRun: o.dryRun === true,
      output: o.output,
      vault: vaultFlags(o),
    };
    registrar.select('rke2 upgrade', input, async (ctx, i) => (await import('../../app/rke2-upgrade.js')).runUpgrade(ctx, i));
  });

  const token = rke2.command('token').description('the cluster join token: rotate it on a server, sync it to the other nodes');
  const rotate = token
    .command('rotate')
    .description('on a server: rotate the cluster token with RKE2\'s own `rke2 token rotate`, store it in Vault as a new version, list the nodes that need it');
  clusterIdOption(rotate).option('--dry-run', 'check everything and print the plan; change nothing').addOption(outputOption());
  addVaultOptions(rotate);
  rotate.addHelpText(
    'after',
    '\nNo token ever appears on a command line, in an environment or in the output: RKE2 generates the new one.\nRe-running after an interrupted rotation publishes the rotated token instead of rotating again.\n\nExample:\n  sudo -E edgectl rke2 token rotate                      then, on every node it lists:\n  sudo -E edgectl rke2 token sync\n',
  );
  rotate.action((o: Day2Flags) => {
    const input: TokenRotateInput = { clusterId: o.clusterId, dryRun: o.dryRun === true, output: o.output, vault: vaultFlags(o) };
    registrar.select('rke2 token rotate', input, async (ctx, i) => (await import('../../app/rke2-token-rotate.js')).runTokenRotate(ctx, i));
  });

  const sync = token
    .command('sync')
    .description('put the cluster\'s current token from Vault in place on this node for its next start (no restart)');
  clusterIdOption(sync).option('--dry-run', 'check everything and print the plan; change nothing').addOption(outputOption());
  addVaultOptions(sync);
  sync.addHelpText('after', '\nExample (on each node after a rotation):\n  sudo -E edgectl rke2 token sync\n  sudo -E edgectl rke2 token sync --cluster-id rke2-abc12345 -o json\n');
  sync.action((o: Day2Flags) => {
    const input: TokenSyncInput = { clusterId: o.clusterId, dryRun: o.dryRun === true, output: o.output, vault: vaultFlags(o) };
    registrar.select('rke2 token sync', input, async (ctx, i) => (await import('../../app/rke2-token-sync.js')).runTokenSync(ctx, i));
  });

  const status = rke2
    .command('status')
    .description('this node (cluster ID, role, RKE2 version, service, readiness, token) and the cluster as Vault holds it (servers, agents, versions, token version); without Vault the local part only');
  clusterIdOption(status).option('--no-vault', 'report this node only, even if VAULT_ADDR is set').addOption(outputOption());
  addVaultOptions(status);
  status.addHelpText('after', '\nExamples:\n  sudo -E edgectl rke2 status\n  sudo edgectl rke2 status --no-vault -o json\n');
  status.action((o: Day2Flags) => {
    const input: StatusInput = { clusterId: o.clusterId, noVault: o.vault === false, output: o.output, vault: vaultFlags(o) };
    registrar.select('rke2 status', input, async (ctx, i) => (await import('../../app/rke2-status.js')).runStatus(ctx, i));
  });

  const uninstall = rke2
    .command('uninstall')
    .description('uninstall RKE2 from this node and remove /etc/edgectl/cluster-id and the token file; --deregister also removes the node from Vault');
  uninstall
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)', false)
    .option('--deregister', 'remove this node\'s entry from the cluster in Vault', false)
    .option('--purge-cluster', 'on the cluster\'s last server: also delete the cluster from Vault (implies --deregister)', false)
    .option('--dry-run', 'print the plan; change nothing');
  clusterIdOption(uninstall).addOption(outputOption());
  addVaultOptions(uninstall);
  uninstall.addHelpText(
    'after',
    '\nExamples:\n  sudo -E edgectl rke2 uninstall --deregister                 asks first; removes this node from Vault too\n  sudo -E edgectl rke2 uninstall --yes --deregister --purge-cluster   the last server: the cluster goes too\n  sudo edgectl rke2 uninstall --yes                           Vault is left as it is\n',
  );
  uninstall.action((o: Day2Flags & { yes: boolean; deregister: boolean; purgeCluster: boolean }) => {
    const input: UninstallInput = {
      clusterId: o.clusterId,
      yes: o.yes,
      deregister: o.deregister,
      purgeCluster: o.purgeCluster,
      dryRun: o.dryRun === true,
      output: o.output,
      vault: vaultFlags(o),
    };
    registrar.select('rke2 uninstall', input, async (ctx, i) => (await import('../../app/rke2-uninstall.js')).runUninstall(ctx, i));
  });

  const kubeconfig = rke2
    .command('kubeconfig')
    .description('the admin kubeconfig for remote use (server address rewritten, mode 0600): write it on a server, --publish it to Vault, or fetch it --from-vault');
  clusterIdOption(kubeconfig, 'default: /etc/edgectl/cluster-id; required with --from-vault elsewhere')
    .option('--server-address <addr>', 'address the kubeconfig points at: IP, DNS name or load balancer, optionally :PORT (default: this server\'s registered address; never 127.0.0.1)')
    .option('--publish', 'on a server: store it in Vault under rke2-admin/<id>/kubeconfig (operators only can read it)', false)
    .option('--from-vault', 'on an operator machine: fetch the published one from Vault', false)
    .option('--out <file>', 'where to write it, mode 0600 (default <cluster-id>.kubeconfig; "-" prints it on stdout; none with --publish alone)')
    .option('--force', 'replace an existing --out file instead of merging this cluster into it', false)
    .option('--use-context', 'make this cluster the current-context of the --out file it merges into', false)
    .option('--dry-run', 'print the plan; change nothing')
    .addOption(outputOption());
  addVaultOptions(kubeconfig);
  kubeconfig.addHelpText(
    'after',
    '\nExamples:\n  sudo -E edgectl rke2 kubeconfig --publish --server-address k8s.example.com      on a server\n  edgectl rke2 kubeconfig --from-vault --cluster-id rke2-abc12345 --out ~/.kube/edge.yaml   on a laptop\n  sudo edgectl rke2 kubeconfig --out /root/admin.kubeconfig                        no Vault\n',
  );
  kubeconfig.action((o: Day2Flags & { serverAddress?: string; publish: boolean; fromVault: boolean; out?: string; force: boolean; useContext: boolean }) => {
    const input: KubeconfigInput = {
      ...(o.force ? { force: true } : {}),
      ...(o.useContext ? { useContext: true } : {}),
      clusterId: o.clusterId,
      serverAddress: o.serverAddress,
      publish: o.publish,
      fromVault: o.fromVault,
      out: o.out,
      dryRun: o.dryRun === true,
      output: o.output,
      vault: vaultFlags(o),
    };
    registrar.select('rke2 kubeconfig', input, async (ctx, i) => (await import('../../app/rke2-kubeconfig.js')).runKubeconfig(ctx, i));
  });
}
