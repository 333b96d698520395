import { describe, expect, it } from 'vitest';
import { remoteCommand, shellWord } from './ssh-transport.js';

describe('argv over SSH', () => {
  it('quotes every word so the remote shell sees exactly the argv', () => {
    expect(shellWord('plain-word_1.2/x')).toBe('plain-word_1.2/x');
    expect(shellWord("it's")).toBe("'it'\\''s'");
    expect(shellWord('$(id) `id` ; rm -rf /')).toBe("'$(id) `id` ; rm -rf /'");
    expect(shellWord('')).toBe("''");
  });

  it('runs under env -i with the given environment, through sudo -n when asked', () => {
    expect(remoteCommand(['rke2.sh', 'agent', '--token-file', '-'], { PATH: '/usr/bin', LANG: 'C' }, false)).toBe('env -i PATH=/usr/bin LANG=C rke2.sh agent --token-file -');
    expect(remoteCommand(['id'], undefined, true)).toBe('sudo -n -- env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin id');
    expect(() => remoteCommand(['id'], { 'A;B': 'x' }, false)).toThrow(/bad environment name/);
    expect(() => remoteCommand(['X=1', 'id'], undefined, false)).toThrow(/bad command name/);
    // with a password: read from stdin's first line, never prompted, asked every time
    expect(remoteCommand(['id'], { PATH: '/usr/bin' }, 'password')).toBe("sudo -S -k -p '' -- env -i PATH=/usr/bin id");
  });
});
