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
  [['vault', 'check'], 'vault check', { clusterId: undefined, role: 'all', output: 'text', vault: {} }],
  [['vault', 'check', '--cluster-id', 'rke2-abc12345', '--role', 'agent', '-o', 'json'], 'vault check', { clusterId: 'rke2-abc12345', role: 'agent', output: 'json', vault: {} }],
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
  ])('%j', async (argv, message) => {
    const run = await runEdgectl(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });
});

describe('help and version', () => {
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
