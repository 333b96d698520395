import { describe, expect, it } from 'vitest';
import { parseScriptEvent } from './script-events.js';

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
