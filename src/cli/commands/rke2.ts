/** `edgectl rke2 …`: install and operate RKE2 on this host. */
import { type Command, InvalidArgumentError } from 'commander';
import { usageError } from '../../core/errors.js';
import type { InstallOptions } from '../../core/install-options.js';
import { serverUrlProblem } from '../../core/install-options.js';
import type { Registrar } from '../program.js';
import {
  type OutputFormat,
  type VaultFlags,
  addVaultOptions,
  clusterIdArg,
  collect,
  outputOption,
  positiveInt,
  tagArg,
  vaultFlags,
} from '../options.js';

/** Where the join token comes from when given on the command line. */
export type TokenSource = { kind: 'file'; path: string } | { kind: 'stdin' } | { kind: 'value'; value: string };

export interface ServerInput {
  /** "server" or "add-master" (the same action under its own name) */
  mode: 'server' | 'add-master';
  clusterId: string | undefined;
  token: TokenSource | undefined;
  server: string | undefined;
  advertiseAddress: string | undefined;
  tags: Array<[string, string]>;
  noVault: boolean;
  dryRun: boolean;
  output: OutputFormat;
  vault: VaultFlags;
  install: InstallOptions;
}

export interface AgentInput {
  clusterId: string | undefined;
  token: TokenSource | undefined;
  server: string | undefined;
  skipCaCheck: boolean;
  noVault: boolean;
  dryRun: boolean;
  output: OutputFormat;
  vault: VaultFlags;
  install: InstallOptions;
}

interface InstallFlags {
  version?: string;
  channel?: string;
  installScript?: string;
  airgapDir?: string;
  tlsSan?: string[];
  nodeName?: string;
  nodeLabel?: string[];
  nodeTaint?: string[];
  configFile?: string;
  cni?: string;
  profile?: string;
  waitTimeout?: number;
  start: boolean;
}

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
  if (problem !== undefined) throw new InvalidArgumentError(problem.replace(/^--server /, ''));
  return value.replace(/\/$/, '');
}

function addInstallOptions(cmd: Command, role: 'server' | 'agent'): Command {
  cmd
    .option('--version <v>', 'RKE2 version to install, e.g. v1.30.4+rke2r1 (INSTALL_RKE2_VERSION)')
    .option('--channel <c>', 'RKE2 release channel: stable, latest, testing, v1.30 (INSTALL_RKE2_CHANNEL)')
    .option('--install-script <path|url>', 'RKE2 installer to run (default https://get.rke2.io; a local file is used as is)')
    .option('--airgap-dir <dir>', 'directory with the air-gap release artifacts (INSTALL_RKE2_ARTIFACT_PATH)')
    .option('--node-name <name>', 'Kubernetes node name (default: the host name)')
    .option('--node-label <k=v>', 'node label (repeatable)', collect)
    .option('--node-taint <k=v:effect>', 'node taint (repeatable)', collect)
    .option('--config-file <file>', 'extra RKE2 config merged into the drop-in')
    .option('--profile <profile>', 'CIS hardening profile ("cis")');
  if (role === 'server') {
    cmd
      .option('--tls-san <name>', 'extra server certificate SAN (repeatable)', collect)
      .option('--cni <name>', 'CNI plugin(s), e.g. canal, cilium, calico');
  }
  return cmd
    .option('--wait-timeout <seconds>', 'how long to wait for RKE2 to be ready (default 900)', positiveInt)
    .option('--no-start', 'install and configure, but do not start the service');
}

function installInput(o: InstallFlags): InstallOptions {
  const install: InstallOptions = { tlsSan: o.tlsSan ?? [], nodeLabel: o.nodeLabel ?? [], nodeTaint: o.nodeTaint ?? [], noStart: !o.start };
  if (o.version !== undefined) install.version = o.version;
  if (o.channel !== undefined) install.channel = o.channel;
  if (o.installScript !== undefined) install.installScript = o.installScript;
  if (o.airgapDir !== undefined) install.airgapDir = o.airgapDir;
  if (o.nodeName !== undefined) install.nodeName = o.nodeName;
  if (o.configFile !== undefined) install.configFile = o.configFile;
  if (o.cni !== undefined) install.cni = o.cni;
  if (o.profile !== undefined) install.profile = o.profile;
  if (o.waitTimeout !== undefined) install.waitTimeout = o.waitTimeout;
  return install;
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

/** Register `rke2 server`, `rke2 add-master`, `rke2 agent`. */
export function registerRke2Commands(program: Command, registrar: Registrar): void {
  const rke2 = program.command('rke2').description('install and operate RKE2 on this host');

  const serverAction = (mode: ServerInput['mode']) => (o: InstallFlags & JoinFlags & VaultFlags & { advertiseAddress?: string; tag?: Array<[string, string]> }) => {
    const input: ServerInput = {
      mode,
      clusterId: o.clusterId,
      token: tokenInput(o),
      server: o.server,
      advertiseAddress: o.advertiseAddress,
      tags: o.tag ?? [],
      noVault: !o.vault,
      dryRun: o.dryRun === true,
      output: o.output,
      vault: vaultFlags(o),
      install: installInput(o),
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
      .option('--advertise-address <addr>', 'address agents use to reach this server (default: first --tls-san, else the primary IP)')
      .option('--tag <key=value>', 'tag stored with a new cluster in Vault (repeatable)', tagArg);
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
  agent.option('--skip-ca-check', 'join even if the server CA cannot be checked against the token (unsafe)');
  addInstallOptions(agent, 'agent');
  addVaultOptions(agent);
  agent.addHelpText('after', '\nExamples:\n  sudo -E edgectl rke2 agent --cluster-id rke2-abc12345\n  sudo edgectl rke2 agent --server https://10.0.0.10:9345 --token-file /root/token\n');
  agent.action((o: InstallFlags & JoinFlags & VaultFlags & { skipCaCheck?: boolean }) => {
    const input: AgentInput = {
      clusterId: o.clusterId,
      token: tokenInput(o),
      server: o.server,
      skipCaCheck: o.skipCaCheck === true,
      noVault: !o.vault,
      dryRun: o.dryRun === true,
      output: o.output,
      vault: vaultFlags(o),
      install: installInput(o),
    };
    registrar.select('rke2 agent', input, async (ctx, i) => (await import('../../app/rke2-agent.js')).runAgent(ctx, i));
  });
}
