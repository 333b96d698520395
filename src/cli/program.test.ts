import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runEdgectl } from '../../test/support/context.js';
import { COMMAND_GROUPS, type Registrar, buildProgram, groupOf, parseArgv } from './program.js';

function streams() {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return { s: { stdout, stderr }, text: () => ({ out, err }) };
}

async function parsed(argv: string[]) {
  const { s } = streams();
  const result = await parseArgv(argv, s);
  if (result.kind !== 'run') throw new Error(`expected a command, got exit ${result.code}`);
  return { id: result.invocation.id, input: result.invocation.input };
}

// argv → typed input: the table grows with every command
const table: Array<[string[], string, unknown]> = [
  [['scripts', 'export', '/tmp/x'], 'scripts export', { dir: '/tmp/x', force: false, output: 'text' }],
  [['scripts', 'export', '--force', '-o', 'json', 'out'], 'scripts export', { dir: 'out', force: true, output: 'json' }],
  [['cluster', 'list'], 'cluster list', { tags: [], output: 'text', vault: {} }],
  [
    ['cluster', 'list', '--tag', 'env=prod', '--tag', 'site=a=b', '-o', 'json', '--vault-addr', 'https://v:8200', '--vault-namespace', 'team', '--vault-mount', 'edge'],
    'cluster list',
    { tags: [['env', 'prod'], ['site', 'a=b']], output: 'json', vault: { vaultAddr: 'https://v:8200', vaultNamespace: 'team', vaultMount: 'edge' } },
  ],
  [['cluster', 'show', 'rke2-abc12345'], 'cluster show', { id: 'rke2-abc12345', showToken: false, output: 'text', vault: {} }],
  [['cluster', 'show', 'prod-01', '--show-token', '--vault-secret-id-file', '/run/sid'], 'cluster show', { id: 'prod-01', showToken: true, output: 'text', vault: { vaultSecretIdFile: '/run/sid' } }],
  [['cluster', 'delete', 'rke2-abc12345', '--yes', '-o', 'json'], 'cluster delete', { id: 'rke2-abc12345', yes: true, output: 'json', vault: {} }],
  [['cluster', 'delete', 'rke2-abc12345'], 'cluster delete', { id: 'rke2-abc12345', yes: false, output: 'text', vault: {} }],
  [
    ['reset', '-f', 'c.yaml', '--yes', '--deregister', '--ssh-timeout', '5', '-o', 'json'],
    'reset',
    { file: 'c.yaml', yes: true, dryRun: false, deregister: true, purgeCluster: false, output: 'json', acceptNewHostKeys: false, knownHosts: undefined, sshTimeoutMs: 5000, sudo: { ask: false }, vault: {} },
  ],
  [
    ['status', '-f', 'c.yaml', '--sudo-password-file', '/root/sudo.pw'],
    'status',
    { file: 'c.yaml', output: 'text', acceptNewHostKeys: false, knownHosts: undefined, sshTimeoutMs: 30000, sudo: { ask: false, passwordFile: '/root/sudo.pw' }, vault: {} },
  ],
  [['kubeconfig', '-f', 'c.yaml', '--out', '-', '--context', 'lab'], 'kubeconfig', { file: 'c.yaml', out: '-', context: 'lab', acceptNewHostKeys: false, knownHosts: undefined, sshTimeoutMs: 30000, sudo: { ask: false }, vault: {} }],
  [['vault', 'check'], 'vault check', { clusterId: undefined, role: 'all', output: 'text', vault: {} }],
  [['vault', 'check', '--cluster-id', 'rke2-abc12345', '--role', 'agent', '-o', 'json'], 'vault check', { clusterId: 'rke2-abc12345', role: 'agent', output: 'json', vault: {} }],
  [
    ['rke2', 'upgrade', '--version', 'v1.30.2+rke2r1', '--airgap-dir', '/srv/a', '--wait-timeout', '60', '--force', '--dry-run', '-o', 'json'],
    'rke2 upgrade',
    { clusterId: undefined, version: 'v1.30.2+rke2r1', channel: undefined, airgapDir: '/srv/a', installScript: undefined, waitTimeout: 60, force: true, noVault: false, dryRun: true, output: 'json', vault: {} },
  ],
  [
    ['rke2', 'upgrade', '--channel', 'stable', '--no-vault', '--cluster-id', 'rke2-abc12345'],
    'rke2 upgrade',
    { clusterId: 'rke2-abc12345', version: undefined, channel: 'stable', airgapDir: undefined, installScript: undefined, waitTimeout: undefined, force: false, noVault: true, dryRun: false, output: 'text', vault: {} },
  ],
  // --version after a subcommand is the RKE2 version, not edgectl's (program options only before the subcommand)
  [['rke2', 'upgrade', '--version', 'v1.31.0+rke2r1'], 'rke2 upgrade', { clusterId: undefined, version: 'v1.31.0+rke2r1', channel: undefined, airgapDir: undefined, installScript: undefined, waitTimeout: undefined, force: false, noVault: false, dryRun: false, output: 'text', vault: {} }],
  [['rke2', 'token', 'rotate'], 'rke2 token rotate', { clusterId: undefined, dryRun: false, output: 'text', vault: {} }],
  [['rke2', 'token', 'rotate', '--cluster-id', 'rke2-abc12345', '--dry-run', '-o', 'json', '--vault-mount', 'edge'], 'rke2 token rotate', { clusterId: 'rke2-abc12345', dryRun: true, output: 'json', vault: { vaultMount: 'edge' } }],
  [['rke2', 'token', 'sync', '--cluster-id', 'rke2-abc12345'], 'rke2 token sync', { clusterId: 'rke2-abc12345', dryRun: false, output: 'text', vault: {} }],
  [['rke2', 'status'], 'rke2 status', { clusterId: undefined, noVault: false, output: 'text', vault: {} }],
  [['rke2', 'status', '--no-vault', '-o', 'json'], 'rke2 status', { clusterId: undefined, noVault: true, output: 'json', vault: {} }],
  [['rke2', 'uninstall'], 'rke2 uninstall', { clusterId: undefined, yes: false, deregister: false, purgeCluster: false, dryRun: false, output: 'text', vault: {} }],
  [
    ['rke2', 'uninstall', '-y', '--deregister', '--purge-cluster', '--cluster-id', 'rke2-abc12345', '--dry-run'],
    'rke2 uninstall',
    { clusterId: 'rke2-abc12345', yes: true, deregister: true, purgeCluster: true, dryRun: true, output: 'text', vault: {} },
  ],
  [
    ['rke2', 'kubeconfig', '--publish', '--server-address', 'k8s.example.com'],
    'rke2 kubeconfig',
    { clusterId: undefined, serverAddress: 'k8s.example.com', publish: true, fromVault: false, out: undefined, dryRun: false, output: 'text', vault: {} },
  ],
  [
    ['rke2', 'kubeconfig', '--from-vault', '--cluster-id', 'rke2-abc12345', '--out', '/tmp/k', '-o', 'json'],
    'rke2 kubeconfig',
    { clusterId: 'rke2-abc12345', serverAddress: undefined, publish: false, fromVault: true, out: '/tmp/k', dryRun: false, output: 'json', vault: {} },
  ],
];

describe('argv → parsed input', () => {
  it.each(table)('%j → %s', async (argv, id, input) => {
    expect(await parsed(argv)).toEqual({ id, input });
  });
});

describe('usage errors exit 2 with a hint and no stack trace', () => {
  it.each([
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['--frob'], /unknown option '--frob'/],
    [['scripts', 'export'], /missing required argument 'dir'/],
    [['scripts', 'export', 'd', '--output', 'yaml'], /argument 'yaml' is invalid/],
    [['rke2'], /missing command|Usage: edgectl rke2/],
    [['cluster'], /Usage: edgectl cluster/],
    [['vault'], /Usage: edgectl vault/],
    [['cluster', 'show', '../../sys'], /invalid cluster ID: may contain only lowercase letters/],
    [['cluster', 'show', 'Rke2-ABC'], /invalid cluster ID/],
    [['cluster', 'delete', '--yes', '--', '-abc'], /must not start or end with a dash/],
    [['cluster', 'delete', 'abc-', '--yes'], /must not start or end with a dash/],
    [['vault', 'check', '--cluster-id', 'x'], /invalid cluster ID: must be 3 to 63/],
    [['vault', 'check', '--role', 'admin'], /argument 'admin' is invalid/],
    [['cluster', 'list', '--tag', 'novalue'], /expected key=value/],
    [['cluster', 'list', '--tag', '=v'], /expected key=value/],
    [['cluster', 'show', 'rke2-abc12345', '--show-token', '-o', 'json'], /cannot be combined with --output json/],
    [['rke2', 'token'], /missing command|Usage: edgectl rke2 token/],
    [['rke2', 'token', 'rotate', '--cluster-id', '../x'], /invalid cluster ID/],
    [['rke2', 'token', 'rotate', '--new-token', 'x'], /unknown option '--new-token'/],
    [['rke2', 'upgrade', '--wait-timeout', 'soon'], /must be a positive whole number/],
    [['rke2', 'upgrade'], /upgrade needs --version V, --channel C or --airgap-dir DIR/],
    [['rke2', 'upgrade', '--version', 'v1.30'], /--version "v1.30" is not an RKE2 version/],
    [['rke2', 'upgrade', '--version', 'v1.30.1+rke2r1', '--channel', 'stable'], /mutually exclusive/],
    [['rke2', 'upgrade', '--channel', 'stable', '--airgap-dir', '/a'], /--channel cannot be used with --airgap-dir/],
    [['rke2', 'kubeconfig', '--publish', '--from-vault'], /use only one of --publish/],
    [['rke2', 'kubeconfig', '--server-address', '127.0.0.1'], /invalid --server-address: 127\.0\.0\.1 reaches only the machine itself/],
    [['rke2', 'kubeconfig', '--server-address', 'localhost:6443'], /reaches only the machine itself/],
    [['rke2', 'kubeconfig', '--out', '-', '-o', 'json'], /cannot be combined with --output json/],
    [['rke2', 'uninstall'], /uninstall needs --yes when stdin is not a terminal/],
    [['rke2', 'status', '--cluster-id', 'Bad_ID'], /invalid cluster ID/],
  ])('%j', async (argv, message) => {
    const run = await runEdgectl(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // with -o json the usage error is also a JSON object on stdout (issue 10.11); otherwise stdout stays empty
    if (argv.includes('json')) expect(JSON.parse(run.stdout)).toMatchObject({ error: { kind: 'usage', exit_code: 2, message: expect.stringMatching(message) } });
    else expect(run.stdout).toBe('');
  });
});

describe('help and version', () => {
  it('rke2 server --version V is the RKE2 version, not edgectl\'s', async () => {
    const { id, input } = await parsed(['rke2', 'server', '--version', 'v1.30.1+rke2r1', '--no-vault']);
    expect(id).toBe('rke2 server');
    expect((input as { install: { version?: string } }).install.version).toBe('v1.30.1+rke2r1');
  });

  it('--version prints the version on stdout and exits 0', async () => {
    const run = await runEdgectl(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('--help prints the command tree on stdout', async () => {
    const run = await runEdgectl(['--help']);
    expect(run.code).toBe(0);
    for (const group of ['rke2', 'cluster', 'vault', 'scripts']) expect(run.stdout).toContain(group);
  });

  it.each([
    [['help'], 'Usage: edgectl [options] [command]'],
    [['help', 'rke2'], 'Usage: edgectl rke2'],
    [['help', 'rke2', 'uninstall'], 'Usage: edgectl rke2 uninstall'],
    [['help', 'cluster', 'node', 'remove'], 'Usage: edgectl cluster node remove'],
  ])('%j prints the same help as --help', async (argv, usage) => {
    const run = await runEdgectl(argv);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(usage);
    expect(run.stdout).toBe((await runEdgectl([...argv.slice(1), '--help'])).stdout);
  });

  it('help of an unknown command is a usage error', async () => {
    const run = await runEdgectl(['help', 'nosuch']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown command 'nosuch'");
  });

  it('help examples that use Vault run sudo with -E (plain sudo drops VAULT_*)', async () => {
    const pages = [['--help'], ['rke2', 'server', '--help'], ['rke2', 'agent', '--help'], ['rke2', 'status', '--help'], ['rke2', 'upgrade', '--help'], ['rke2', 'kubeconfig', '--help'], ['rke2', 'uninstall', '--help']];
    for (const page of pages) {
      const run = await runEdgectl(page);
      const plainSudo = run.stdout.split('\n').filter((l) => /^\s*sudo edgectl /.test(l));
      // without -E only where Vault is not used: --no-vault, a token file, or a line that says so
      expect(plainSudo.filter((l) => !/--no-vault|--token-file|no Vault|Vault is left/.test(l)), page.join(' ')).toEqual([]);
    }
  });

  it('rke2 --help works', async () => {
    const run = await runEdgectl(['rke2', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: edgectl rke2');
  });
});

describe('command groups registered on demand', () => {
  const noop: Registrar = { select: () => undefined };

  it('COMMAND_GROUPS names and describes each group exactly as its register function does', () => {
    const { s } = streams();
    const full = buildProgram(s, noop);
    expect(full.commands.map((c) => [c.name(), c.description()])).toEqual(COMMAND_GROUPS.map((g) => [g.name, g.description]));
  });

  it('top-level help is the same whether groups are registered or stand-ins', () => {
    const { s } = streams();
    const full = buildProgram(s, noop).helpInformation();
    const lazy = buildProgram(s, noop, { group: undefined }).helpInformation();
    expect(lazy).toBe(full);
  });

  it('registers only the group a command line names', () => {
    const { s } = streams();
    const program = buildProgram(s, noop, { group: groupOf(['cluster', 'list']) });
    const sub = (name: string) => program.commands.find((c) => c.name() === name)?.commands.length ?? -1;
    expect(sub('cluster')).toBeGreaterThan(0);
    for (const other of ['rke2', 'vault', 'scripts']) expect(sub(other)).toBe(0);
    expect(groupOf(['--version'])).toBeUndefined();
    expect(groupOf(['rke2', 'agent'])).toBe('rke2');
    expect(groupOf(['nosuch'])).toBeUndefined();
  });
});
