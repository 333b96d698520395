import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EMPTY_INSTALL_OPTIONS, INSTALL_OPTIONS, type InstallOptions, installOptionArgs, installOptionProblems, serverUrlProblem } from './install-options.js';

const opts = (o: Partial<InstallOptions>): InstallOptions => ({ ...EMPTY_INSTALL_OPTIONS, ...o });

describe('install options', () => {
  it('accepts good values', () => {
    expect(
      installOptionProblems(
        opts({
          version: 'v1.30.4+rke2r1',
          tlsSan: ['10.0.0.10', 'api.example.com'],
          nodeName: 'edge-01',
          nodeLabel: ['site=shop-12', 'example.com/role='],
          nodeTaint: ['dedicated=edge:NoSchedule', 'x:NoExecute'],
          cni: 'cilium',
          profile: 'cis',
        }),
      ),
    ).toEqual([]);
  });

  it.each([
    [{ version: '1.30' }, '--version'],
    [{ version: 'v1.30.4+rke2r1;rm -rf /' }, '--version'],
    [{ channel: 'nightly' }, '--channel'],
    [{ version: 'v1.30.4+rke2r1', channel: 'stable' }, 'mutually exclusive'],
    [{ installScript: 'http://get.rke2.io' }, '--install-script'],
    [{ tlsSan: ['bad name'] }, '--tls-san'],
    [{ nodeName: 'Edge_01' }, '--node-name'],
    [{ nodeLabel: ['novalue'] }, '--node-label'],
    [{ nodeLabel: ['a=b c'] }, '--node-label'],
    [{ nodeTaint: ['a=b'] }, '--node-taint'],
    [{ nodeTaint: ['a=b:Sometimes'] }, '--node-taint'],
    [{ cni: 'Cilium!' }, '--cni'],
    [{ profile: 'cis-1.23' }, '--profile'],
  ] as Array<[Partial<InstallOptions>, string]>)('rejects %j naming %s', (o, flag) => {
    const problems = installOptionProblems(opts(o));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain(flag);
  });

  it('collects every problem at once', () => {
    expect(installOptionProblems(opts({ version: 'x', cni: '!', profile: 'y' }))).toHaveLength(3);
  });

  it.each([
    ['https://10.0.0.10:9345', undefined],
    ['https://[fd00::1]:9345', undefined],
    ['http://10.0.0.10:9345', 'https://'],
    ['https://u:p@10.0.0.10:9345', 'credentials'],
    ['https://10.0.0.10:9345/path', 'just https://HOST:PORT'],
    ['not a url', 'not a URL'],
  ])('server URL %s', (url, problem) => {
    const p = serverUrlProblem(url);
    if (problem === undefined) expect(p).toBeUndefined();
    else expect(p).toContain(problem);
  });

  it('maps options to script flags in a stable order', () => {
    expect(
      installOptionArgs(
        opts({ version: 'v1.30.4+rke2r1', airgapDir: '/opt/rke2', tlsSan: ['a', 'b'], nodeLabel: ['k=v'], nodeTaint: ['t=v:NoSchedule'], waitTimeout: 60, noStart: true }),
      ),
    ).toEqual(['--version', 'v1.30.4+rke2r1', '--airgap-dir', '/opt/rke2', '--tls-san', 'a', '--tls-san', 'b', '--node-label', 'k=v', '--node-taint', 't=v:NoSchedule', '--wait-timeout', '60', '--no-start']);
  });
});

describe('the install-options table', () => {
  it('every entry becomes its rke2.sh argument, in table order', () => {
    const full: Required<InstallOptions> = {
      version: 'v1.30.4+rke2r1',
      channel: 'stable',
      installScript: '/opt/install.sh',
      airgapDir: '/opt/rke2',
      tlsSan: ['a'],
      nodeName: 'n',
      nodeLabel: ['k=v'],
      nodeTaint: ['t=v:NoSchedule'],
      configFile: '/etc/x.yaml',
      cni: 'canal',
      profile: 'cis',
      waitTimeout: 60,
      noStart: true,
    };
    const flags = installOptionArgs(full).filter((a) => a.startsWith('--'));
    expect(flags).toEqual(INSTALL_OPTIONS.map((s) => s.flag));
  });

  it('lists every command an entry belongs to with a distinct place', () => {
    for (const command of ['server', 'agent', 'upgrade'] as const) {
      const places = INSTALL_OPTIONS.flatMap((s) => (s.commands[command] === undefined ? [] : [s.commands[command]]));
      expect(new Set(places).size).toBe(places.length);
    }
  });

  it('scripts/rke2.sh parses the flag of every entry', () => {
    const script = readFileSync(fileURLToPath(new URL('../../scripts/rke2.sh', import.meta.url)), 'utf8');
    for (const spec of INSTALL_OPTIONS) expect(script, spec.flag).toMatch(new RegExp(`^\\s+(?:[a-z-]+\\|)*${spec.flag}[|)]`, 'm'));
  });
});
