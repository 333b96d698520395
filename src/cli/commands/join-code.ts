/** `edgectl rke2 join-code [list|revoke]`: single-use join codes for a cluster's hosts. */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { JoinRole } from '../../core/join-code.js';
import type { JoinCodeInput, JoinCodeListInput, JoinCodeRevokeInput } from '../../app/rke2-join-code.js';
import type { CloudInitInput } from '../../app/rke2-cloud-init.js';
import { addInstallOptions, installOptionsFromFlags } from '../install-options.js';
import type { Registrar } from '../program.js';
import { type OutputFormat, type VaultFlags, addVaultOptions, clusterIdArg, collect, outputOption, vaultFlags } from '../options.js';

function countArg(value: string): number {
  if (!/^[0-9]{1,5}$/.test(value)) throw new InvalidArgumentError('must be a whole number 1 to 1000');
  return Number(value);
}

const roleOption = (): Option => new Option('--role <role>', 'agent or server').choices(['agent', 'server']);

/** Register `rke2 join-code`, `rke2 join-code list` and `rke2 join-code revoke` under `rke2`. */
export function registerJoinCodeCommands(rke2: Command, registrar: Registrar): void {
  const jc = rke2
    .command('join-code')
    .description('mint single-use join codes: a host joins with one and no Vault credential of its own (list and revoke outstanding ones)')
    .option('--cluster-id <id>', 'the cluster the codes join (required)', clusterIdArg)
    .addOption(roleOption())
    .option('--ttl <duration>', 'how long a code stays usable, 1m to 24h', '1h')
    .option('--count <n>', 'how many codes, one per host (1 to 1000)', countArg)
    .option('--bind-cidr <cidr>', 'only hosts in this CIDR can use the codes, and their Vault token works only from there (repeatable)', collect)
    .option('--out <dir>', 'directory for the code files (0600, never overwritten; default .), or - for stdout, one per line')
    .option('--host-vault-addr <url>', 'the Vault address written into the codes, when hosts reach Vault by another address than this machine')
    .addOption(outputOption());
  addVaultOptions(jc);
  jc.addHelpText(
    'after',
    '\nExamples:\n  edgectl rke2 join-code --cluster-id rke2-abc12345 --role agent --count 5 --out ./codes\n  edgectl rke2 join-code --cluster-id rke2-abc12345 --role server --ttl 30m --bind-cidr 10.0.0.0/24 --out -\n  sudo edgectl rke2 agent --join-code-file /root/rke2-abc12345-agent-1a2b3c4d.joincode   on the host\n',
  );
  jc.action((o: VaultFlags & { clusterId?: string; role?: JoinRole; ttl?: string; count?: number; bindCidr?: string[]; out?: string; hostVaultAddr?: string; output: OutputFormat }, cmd: Command) => {
    if (cmd.args.length > 0) cmd.error(`unknown command ${JSON.stringify(cmd.args[0])} (expected list or revoke)`);
    if (o.clusterId === undefined) cmd.error('--cluster-id is required');
    if (o.role === undefined) cmd.error('--role agent|server is required');
    const input: JoinCodeInput = {
      clusterId: o.clusterId as string,
      role: o.role as JoinRole,
      ttl: o.ttl,
      count: o.count,
      bindCidrs: o.bindCidr ?? [],
      out: o.out,
      hostVaultAddr: o.hostVaultAddr,
      output: o.output,
      vault: vaultFlags(o),
    };
    registrar.select('rke2 join-code', input, async (ctx, i) => (await import('../../app/rke2-join-code.js')).runJoinCode(ctx, i));
  });

  const list = jc
    .command('list')
    .description('the cluster\'s outstanding join codes: accessor, role, created, expiry, bound CIDRs (never a secret)')
    .requiredOption('--cluster-id <id>', 'the cluster', clusterIdArg)
    .addOption(roleOption())
    .addOption(outputOption());
  addVaultOptions(list);
  list.action((o: VaultFlags & { clusterId: string; role?: JoinRole; output: OutputFormat }) => {
    const input: JoinCodeListInput = { clusterId: o.clusterId, role: o.role, output: o.output, vault: vaultFlags(o) };
    registrar.select('rke2 join-code list', input, async (ctx, i) => (await import('../../app/rke2-join-code.js')).runJoinCodeList(ctx, i));
  });

  const revoke = jc
    .command('revoke')
    .description('destroy unused join codes by accessor, or all of the cluster\'s: hosts holding them can no longer join')
    .requiredOption('--cluster-id <id>', 'the cluster', clusterIdArg)
    .option('--accessor <accessor>', 'a code\'s accessor, from join-code list (repeatable)', collect)
    .option('--all', 'every outstanding code of the cluster', false)
    .option('-y, --yes', 'do not ask for confirmation (required when stdin is not a terminal)', false)
    .option('--dry-run', 'print what would be revoked; change nothing')
    .addOption(outputOption());
  addVaultOptions(revoke);
  revoke.action((o: VaultFlags & { clusterId: string; accessor?: string[]; all: boolean; yes: boolean; dryRun?: boolean; output: OutputFormat }) => {
    const input: JoinCodeRevokeInput = { clusterId: o.clusterId, accessors: o.accessor ?? [], all: o.all, yes: o.yes, dryRun: o.dryRun === true, output: o.output, vault: vaultFlags(o) };
    registrar.select('rke2 join-code revoke', input, async (ctx, i) => (await import('../../app/rke2-join-code.js')).runJoinCodeRevoke(ctx, i));
  });
}

/** Register `rke2 cloud-init` under `rke2`: user-data files, one join code each. */
export function registerCloudInitCommand(rke2: Command, registrar: Registrar): void {
  const ci = rke2
    .command('cloud-init')
    .description('write cloud-config user-data for N new hosts: each installs edgectl (sha256 pinned) and joins with its own single-use join code')
    .requiredOption('--cluster-id <id>', 'the cluster the hosts join', clusterIdArg)
    .addOption(roleOption().makeOptionMandatory())
    .requiredOption('--count <n>', 'how many files (hosts), 1 to 1000', countArg)
    .option('--ttl <duration>', 'how long each code stays usable (until the host boots), 1m to 24h', '1h')
    .option('--bind-cidr <cidr>', 'only hosts in this CIDR can use the codes (repeatable)', collect)
    .option('--install-from <url|dir>', `where hosts get edgectl: a release URL, or a directory on the hosts (air-gapped); default ${'https://github.com/edgectl/edgectl/releases/latest/download'}`)
    .option('--edgectl-sha256 <hex>', 'the sha256 the hosts must find (default: this edgectl\'s own, when it is the single executable)')
    .option('--out <dir>', 'directory for the user-data files (0600, never overwritten; default .)')
    .option('--host-vault-addr <url>', 'the Vault address written into the codes, when hosts reach Vault by another address than this machine');
  addInstallOptions(ci, 'server');
  addVaultOptions(ci);
  ci.addOption(outputOption());
  ci.addHelpText(
    'after',
    '\nThe join command gets the install options given here (the role\'s only).\nExamples:\n  edgectl rke2 cloud-init --cluster-id rke2-abc12345 --role agent --count 5 --out ./seed\n  edgectl rke2 cloud-init --cluster-id rke2-abc12345 --role agent --count 20 --install-from /media/usb/edgectl --airgap-dir /media/usb/rke2 --ttl 24h\n',
  );
  ci.action((o: VaultFlags & { clusterId: string; role: JoinRole; count: number; ttl?: string; bindCidr?: string[]; installFrom?: string; edgectlSha256?: string; out?: string; hostVaultAddr?: string; output: OutputFormat }) => {
    const input: CloudInitInput = {
      clusterId: o.clusterId,
      role: o.role,
      count: o.count,
      ttl: o.ttl,
      bindCidrs: o.bindCidr ?? [],
      installFrom: o.installFrom,
      edgectlSha256: o.edgectlSha256,
      out: o.out,
      hostVaultAddr: o.hostVaultAddr,
      install: installOptionsFromFlags(o, 'server'),
      output: o.output,
      vault: vaultFlags(o),
    };
    registrar.select('rke2 cloud-init', input, async (ctx, i) => (await import('../../app/rke2-cloud-init.js')).runCloudInit(ctx, i));
  });
}
