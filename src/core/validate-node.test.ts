import { Secret } from './secret.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EMPTY_INSTALL_OPTIONS, type InstallOptions, installOptionProblems } from './install-options.js';
import { advertiseAddressProblem, joinTokenProblem, registrationUrlProblem, vaultClusterProblems } from './validate-node.js';

const SCRIPT = join(__dirname, '../../scripts/rke2.sh');

/** flags of `rke2 server`, as edgectl takes them and as rke2.sh takes them */
interface Row {
  install?: Partial<InstallOptions>;
  server?: string;
}

function scriptArgs(r: Row): string[] {
  const i = { ...EMPTY_INSTALL_OPTIONS, ...r.install };
  const args: string[] = [];
  if (i.nodeName !== undefined) args.push('--node-name', i.nodeName);
  for (const l of i.nodeLabel) args.push('--node-label', l);
  for (const t of i.nodeTaint) args.push('--node-taint', t);
  for (const s of i.tlsSan) args.push('--tls-san', s);
  if (i.cni !== undefined) args.push('--cni', i.cni);
  if (i.installScript !== undefined) args.push('--install-script', i.installScript);
  if (i.channel !== undefined) args.push('--channel', i.channel);
  if (i.airgapDir !== undefined) args.push('--airgap-dir', i.airgapDir);
  if (r.server !== undefined) args.push('--server', r.server, '--token-file', '/nonexistent-token');
  return args;
}

function edgectlProblems(r: Row): string[] {
  const problems = installOptionProblems({ ...EMPTY_INSTALL_OPTIONS, ...r.install });
  if (r.server !== undefined) {
    const p = registrationUrlProblem(r.server);
    if (p !== undefined) problems.push(p);
  }
  return problems;
}

// [description, row, refused]
const ROWS: Array<[string, Row, boolean]> = [
  ['node name with an empty label', { install: { nodeName: 'a..b' } }, true],
  ['node name with a 64-character label', { install: { nodeName: `${'a'.repeat(64)}.b` } }, true],
  ['node name with uppercase', { install: { nodeName: 'Edge-01' } }, true],
  ['good node name', { install: { nodeName: 'edge-01.site' } }, false],
  ['64-character label name', { install: { nodeLabel: [`${'a'.repeat(64)}=x`] } }, true],
  ['64-character label value', { install: { nodeLabel: [`k=${'a'.repeat(64)}`] } }, true],
  ['63-character label value', { install: { nodeLabel: [`k=${'a'.repeat(63)}`] } }, false],
  ['label prefix with an empty label', { install: { nodeLabel: ['a..b/k=v'] } }, true],
  ['label prefix with a 64-character label', { install: { nodeLabel: [`${'a'.repeat(64)}.com/k=v`] } }, true],
  ['good prefixed label', { install: { nodeLabel: ['example.com/role='] } }, false],
  ['taint with a bad prefix', { install: { nodeTaint: ['a..b/x=y:NoSchedule'] } }, true],
  ['taint without a value', { install: { nodeTaint: ['x:NoExecute'] } }, false],
  ['taint with an unknown effect', { install: { nodeTaint: ['a=b:Sometimes'] } }, true],
  ['unknown CNI', { install: { cni: 'foo' } }, true],
  ['two primary CNIs', { install: { cni: 'canal,calico' } }, true],
  ['multus alone', { install: { cni: 'multus' } }, true],
  ['multus with a plugin', { install: { cni: 'multus,cilium' } }, false],
  ['uppercase installer URL scheme', { install: { installScript: 'HTTPS://get.rke2.io' } }, true],
  ['http installer URL', { install: { installScript: 'http://get.rke2.io' } }, true],
  ['installer URL with a query', { install: { installScript: 'https://get.rke2.io/?x=1' } }, true],
  ['https installer URL', { install: { installScript: 'https://get.rke2.io' } }, false],
  ['--channel with --airgap-dir', { install: { channel: 'stable', airgapDir: '/srv/rke2' } }, true],
  ['SAN with a space', { install: { tlsSan: ['bad name'] } }, true],
  ['server port 0', { server: 'https://host:0' }, true],
  ['server port 65536', { server: 'https://host:65536' }, true],
  ['server with a space', { server: 'https://a b:9345' }, true],
  ['server with #', { server: 'https://host#:9345' }, true],
  ['server with a newline', { server: 'https://host:9345\n' }, true],
  ['server with credentials', { server: 'https://admin:pw@host:9345' }, true],
  ['server with a command in its path', { server: 'https://host:9345/$(touch x)' }, true],
  ['plain http server', { server: 'http://host:9345' }, true],
  ['server that is not a URL', { server: 'not a url' }, true],
  ['good server', { server: 'https://host.example:9345' }, false],
  ['good IPv6 server', { server: 'https://[fd00::1]:9345' }, false],
];

describe('node inputs: edgectl refuses exactly what rke2.sh refuses', () => {
  // rke2.sh validates flags before it checks root or tools; with only these tools on PATH a valid
  // input stops at "required tool not found" (exit 3) and never looks at the host
  const bin = mkdtempSync(join(tmpdir(), 'validate-node-bin-'));
  for (const tool of ['mktemp', 'chmod', 'rm', 'id']) symlinkSync(spawnSync('bash', ['-c', `command -v ${tool}`]).stdout.toString().trim(), join(bin, tool));
  afterAll(() => rmSync(bin, { recursive: true, force: true }));

  it.each(ROWS)('%s', (_what, row, refused) => {
    const problems = edgectlProblems(row);
    expect(problems.length > 0, problems.join('; ')).toBe(refused);
    const r = spawnSync('/bin/bash', [SCRIPT, 'server', '--dry-run', ...scriptArgs(row)], { env: { PATH: bin }, encoding: 'utf8' });
    if (refused) expect(r.status, r.stderr).toBe(2);
    else expect(r.status, r.stderr).toBe(3);
  });

  it('never shows a URL credential', () => {
    const p = registrationUrlProblem('https://admin:s3cret@host:9345', 'the server field of cluster rke2-abc12345') ?? '';
    expect(p).toContain('credentials');
    expect(p).toContain('cluster rke2-abc12345');
    expect(p).not.toContain('s3cret');
    expect(p).not.toContain('admin');
  });
});

describe('advertise address', () => {
  it.each([
    ['10.0.0.9', undefined],
    ['fd00::9', undefined],
    ['[fd00::9]', undefined],
    ['api.edge.example.com', undefined],
    ['10.0.0.9:9345', 'port'],
    ['api.example.com:9345', 'port'],
    ['[fd00::9]:9345', 'port'],
    ['x;touch /tmp/pwned', 'not a host name'],
    ['https://evil.example', 'not a URL'],
    ['a b', 'not a host name'],
    ['', 'not a host name'],
    ['fd00::1::2', 'not an IPv6'],
  ])('%j', (address, problem) => {
    const p = advertiseAddressProblem(address);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toContain(problem);
  });
});

describe('cluster data read from Vault', () => {
  const token = new Secret(`K10${'a'.repeat(64)}::server:secret`);
  it.each([
    ['https://10.0.0.1:9345/$(touch /tmp/x)', 'server field'],
    ['http://', 'server field'],
    ['not a url', 'server field'],
    ['https://10.0.0.1:9345\nx', 'server field'],
    ['https://admin:pw@10.0.0.1:9345', 'credentials'],
  ])('refuses server %j naming the field', (server, problem) => {
    const problems = vaultClusterProblems('rke2-abc12345', { server, token });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(problem);
    expect(problems[0]).not.toContain('pw@');
  });

  it('accepts a good cluster', () => {
    expect(vaultClusterProblems('rke2-abc12345', { server: 'https://10.0.0.1:9345', token })).toEqual([]);
  });

  it.each([
    ['', 'empty'],
    ['K10abc::server:a b', 'printable'],
    ['K10abc::server:x\ny', 'printable'],
    ['x'.repeat(4097), 'at most 4096'],
  ])('refuses token %#, never showing it', (t, problem) => {
    const p = joinTokenProblem(t, 'the token field of cluster rke2-abc12345') ?? '';
    expect(p).toContain(problem);
    if (t !== '') expect(p).not.toContain(t);
  });
});
