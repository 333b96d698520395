import { describe, expect, it } from 'vitest';
import { JOIN_CODE_PREFIX, appRoleName, encodeJoinCode, parseJoinCode, secretIdCreationPath, type JoinCode } from './join-code.js';
import { Secret } from './secret.js';

const sample = (): JoinCode => ({
  version: 1,
  vaultAddr: 'https://vault.example:8200',
  namespace: 'tenant-a',
  kvMount: 'kv',
  approleMount: 'approle',
  clusterId: 'rke2-abc12345',
  role: 'agent',
  roleId: '3f2c1d5e-0000-4000-8000-000000000001',
  wrapToken: new Secret('hvs.CAESIwrapwrapwrapwrap'),
  expiresAt: '2026-12-02T05:00:00Z',
});

const withBody = (body: Record<string, unknown>): Secret => new Secret(JOIN_CODE_PREFIX + Buffer.from(JSON.stringify(body)).toString('base64url'));
const goodBody = (): Record<string, unknown> => JSON.parse(Buffer.from(encodeJoinCode(sample()).reveal().slice(JOIN_CODE_PREFIX.length), 'base64url').toString());

describe('join codes', () => {
  it('round-trip, and the text is one line of the documented prefix', () => {
    const text = encodeJoinCode(sample());
    expect(text.reveal()).toMatch(/^edgectl-join-v1\.[A-Za-z0-9_-]+$/);
    const back = parseJoinCode(new Secret(`  ${text.reveal()}\n`));
    expect({ ...back, wrapToken: back.wrapToken.reveal() }).toEqual({ ...sample(), wrapToken: 'hvs.CAESIwrapwrapwrapwrap' });
    expect(String(text)).toBe('[redacted]');
  });

  it('names the role and the creation path a genuine code comes from', () => {
    expect(appRoleName('rke2-abc12345', 'server')).toBe('edgectl-rke2-abc12345-server');
    expect(secretIdCreationPath('approle', 'rke2-abc12345', 'agent')).toBe('auth/approle/role/edgectl-rke2-abc12345-agent/secret-id');
  });

  it.each([
    ['another prefix', new Secret('hello'), /does not start with edgectl-join-v1\./],
    ['a later version', new Secret('edgectl-join-v2.abc'), /version 2/],
    ['not base64url', new Secret('edgectl-join-v1.a+b/c'), /not base64url/],
    ['not JSON', new Secret(`edgectl-join-v1.${Buffer.from('nope').toString('base64url')}`), /not JSON/],
    ['a bad cluster ID', withBody({ ...goodBody(), cluster: 'Bad/../x' }), /bad cluster ID/],
    ['a bad role', withBody({ ...goodBody(), role: 'operator' }), /neither server nor agent/],
    ['an address with credentials', withBody({ ...goodBody(), addr: 'https://u:p@vault:8200' }), /credentials/],
    ['a bad wrapping token', withBody({ ...goodBody(), wrap: 'a b' }), /bad wrapping token/],
    ['a bad mount', withBody({ ...goodBody(), kv: '../sys' }), /bad kv mount/],
    ['a bad namespace', withBody({ ...goodBody(), ns: '../root' }), /bad namespace/],
  ])('refuses %s with a usage error that never echoes the text', (_name, text, why) => {
    let err: unknown;
    try {
      parseJoinCode(text);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ kind: 'usage', message: expect.stringMatching(why) });
    expect((err as Error).message).not.toContain(text.reveal().slice(16, 40) || 'unreachable-marker');
  });
});
