import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkHostKey, knownHostsLine, knownHostsName } from './known-hosts.js';

const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';
const OTHER = 'AAAAC3NzaC1lZDI1NTE5AAAAIBBBBnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

function hashed(name: string): string {
  const salt = Buffer.from('0123456789abcdefghij');
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  it('names hosts as OpenSSH does', () => {
    expect(knownHostsName('10.0.0.5', 22)).toBe('10.0.0.5');
    expect(knownHostsName('edge-1', 2222)).toBe('[edge-1]:2222');
    expect(knownHostsLine('10.0.0.5', 2222, 'ssh-ed25519', KEY)).toBe(`[10.0.0.5]:2222 ssh-ed25519 ${KEY}\n`);
  });

  it('knows a recorded key, plain, in a list, on another port, or hashed', () => {
    expect(checkHostKey(`10.0.0.5 ssh-ed25519 ${KEY}\n`, '10.0.0.5', 22, 'ssh-ed25519', KEY)).toEqual({ kind: 'known' });
    expect(checkHostKey(`edge-1,10.0.0.5 ssh-ed25519 ${KEY}\n`, '10.0.0.5', 22, 'ssh-ed25519', KEY)).toEqual({ kind: 'known' });
    expect(checkHostKey(`[10.0.0.5]:2222 ssh-ed25519 ${KEY}\n`, '10.0.0.5', 2222, 'ssh-ed25519', KEY)).toEqual({ kind: 'known' });
    expect(checkHostKey(`${hashed('10.0.0.5')} ssh-ed25519 ${KEY}\n`, '10.0.0.5', 22, 'ssh-ed25519', KEY)).toEqual({ kind: 'known' });
  });

  it('an unknown host, or a key of another type only, is unknown; the port matters', () => {
    expect(checkHostKey('', '10.0.0.5', 22, 'ssh-ed25519', KEY)).toEqual({ kind: 'unknown' });
    expect(checkHostKey(`10.0.0.5 ecdsa-sha2-nistp256 ${OTHER}\n`, '10.0.0.5', 22, 'ssh-ed25519', KEY)).toEqual({ kind: 'unknown' });
    expect(checkHostKey(`10.0.0.5 ssh-ed25519 ${OTHER}\n`, '10.0.0.5', 2222, 'ssh-ed25519', KEY)).toEqual({ kind: 'unknown' });
    expect(checkHostKey(`# 10.0.0.5 ssh-ed25519 ${OTHER}\n10.0.0.50 ssh-ed25519 ${OTHER}\n`, '10.0.0.5', 22, 'ssh-ed25519', KEY)).toEqual({ kind: 'unknown' });
  });

  it('a different key of the same type is a changed key, naming its line; a revoked key is refused', () => {
    expect(checkHostKey(`\n10.0.0.5 ssh-ed25519 ${OTHER}\n`, '10.0.0.5', 22, 'ssh-ed25519', KEY)).toEqual({ kind: 'changed', line: 2 });
    expect(checkHostKey(`${hashed('10.0.0.5')} ssh-ed25519 ${OTHER}\n`, '10.0.0.5', 22, 'ssh-ed25519', KEY)).toEqual({ kind: 'changed', line: 1 });
    expect(checkHostKey(`@revoked 10.0.0.5 ssh-ed25519 ${KEY}\n10.0.0.5 ssh-ed25519 ${KEY}\n`, '10.0.0.5', 22, 'ssh-ed25519', KEY)).toEqual({ kind: 'revoked', line: 1 });
  });
});
