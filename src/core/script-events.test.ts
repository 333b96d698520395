import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { STDERR_EVENT_PREFIX, parseScriptEvent, parseStderrEvent, scriptFailureHint } from './script-events.js';

describe('script events', () => {
  it.each([
    ['start\tinstall\tInstalling RKE2 v1.30.4+rke2r1\n', { type: 'start', step: 'install', message: 'Installing RKE2 v1.30.4+rke2r1' }],
    ['done\twait-ready\t', { type: 'done', step: 'wait-ready', message: '' }],
    ['fail\tstart\tservice\tfailed', { type: 'fail', step: 'start', message: 'service\tfailed' }],
    ['skip\tinstall', { type: 'skip', step: 'install', message: '' }],
  ])('parses %j', (line, event) => {
    expect(parseScriptEvent(line)).toEqual(event);
  });

  it.each(['', 'hello world', 'begin\tinstall\tx', 'start\tInstall\tx', 'start\t\tx'])('ignores %j', (line) => {
    expect(parseScriptEvent(line)).toBeUndefined();
  });
});

describe('change events', () => {
  it('parses a change event (EDGECTL_CHANGE_EVENTS=1) with its step and description', () => {
    expect(parseScriptEvent('change\tconfigure\twrite /etc/rancher/rke2/edgectl-token (mode 0600; token not shown)\n')).toEqual({
      type: 'change',
      step: 'configure',
      message: 'write /etc/rancher/rke2/edgectl-token (mode 0600; token not shown)',
    });
  });
});

describe('events on stderr (EDGECTL_EVENTS=stderr)', () => {
  it.each([
    ['@edgectl-event\tstart\tinstall\tinstalling RKE2\n', { type: 'start', step: 'install', message: 'installing RKE2' }],
    ['@edgectl-event\tfail\tverify\tinvalid --node-label \'a b\'\r\n', { type: 'fail', step: 'verify', message: "invalid --node-label 'a b'" }],
    ['@edgectl-event\tchange\tstart\tenable rke2-server', { type: 'change', step: 'start', message: 'enable rke2-server' }],
    ['@edgectl-event\tdone\twait-ready\t', { type: 'done', step: 'wait-ready', message: '' }],
  ])('recognises %j', (line, event) => {
    expect(parseStderrEvent(line)).toEqual(event);
  });

  it.each([
    '[INFO]  installing RKE2', // the human log
    'start\tinstall\tinstalling RKE2', // an fd-3 line without the prefix is ordinary stderr
    ' @edgectl-event\tstart\tinstall\tx', // the prefix only counts at the start
    '@edgectl-event start\tinstall\tx', // a space is not the prefix's tab
    '@edgectl-event\tbegin\tinstall\tx', // not an event type
    '@edgectl-event\tstart\tInstall\tx', // not a step
    '@edgectl-event\t',
    '',
  ])('returns undefined for %j', (line) => {
    expect(parseStderrEvent(line)).toBeUndefined();
  });

  it("reads the script's own stderr: its events, and nothing from its log lines", () => {
    // a usage error is found before the script needs root, so this runs anywhere
    const script = fileURLToPath(new URL('../../scripts/rke2.sh', import.meta.url));
    const r = spawnSync('bash', [script, 'server', '--node-label', 'bad label'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', EDGECTL_EVENTS: 'stderr' },
      encoding: 'utf8',
    });
    expect(r.status).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines.some((l) => l.startsWith('[ERROR] '))).toBe(true);
    expect(lines.map(parseStderrEvent).filter((e) => e !== undefined)).toEqual([
      { type: 'fail', step: 'verify', message: "invalid --node-label 'bad label': expected KEY=VALUE" },
    ]);
    expect(lines.filter((l) => l.startsWith(STDERR_EVENT_PREFIX))).toHaveLength(1);
  });
});

describe('scriptFailureHint', () => {
  it('says where to look after a readiness timeout, by role', () => {
    const server = scriptFailureHint(6, 'timed out after 900s waiting for rke2-server: service rke2-server not active');
    expect(server).toContain('journalctl -u rke2-server');
    expect(server).toContain('6443');
    expect(server).toContain('9345');
    const agent = scriptFailureHint(6, 'timed out after 900s waiting for rke2-agent: agent kubeconfig not written');
    expect(agent).toContain('journalctl -u rke2-agent');
    expect(agent).toContain('reaches the server on ports 9345 and 6443');
    expect(scriptFailureHint(6, undefined)).toContain('rke2-server or rke2-agent');
  });

  it('keeps the debug hint for other failures', () => {
    expect(scriptFailureHint(4, 'installer failed')).toContain('EDGECTL_DEBUG=1');
    expect(scriptFailureHint(4, 'installer failed')).not.toContain('journalctl');
  });
});
