import { describe, expect, it } from 'vitest';
import { parseScriptEvent, scriptFailureHint } from './script-events.js';

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
