import { describe, expect, it } from 'vitest';
import type { JoinCode } from './join-code.js';
import { encodeJoinSession, joinCodeFingerprint, parseJoinSession, sessionContinues } from './join-session.js';
import { Secret } from './secret.js';

const code = (wrap = 'hvs.CAESIwrapwrapwrapwrap'): JoinCode => ({
  version: 1,
  vaultAddr: 'https://vault.example:8200',
  namespace: '',
  kvMount: 'kv',
  approleMount: 'approle',
  clusterId: 'rke2-abc12345',
  role: 'agent',
  roleId: 'role-id-1',
  wrapToken: new Secret(wrap),
  expiresAt: '2026-12-02T05:00:00Z',
});

const now = new Date('2026-12-02T04:00:00Z');
const session = (expiresAt = '2026-12-02T04:15:00Z') => ({ codeSha256: joinCodeFingerprint(code()), clusterId: 'rke2-abc12345', role: 'agent' as const, accessor: 'acc-1', expiresAt, token: new Secret('s.clienttokenclienttoken') });

describe('join session', () => {
  it('round-trips, and the fingerprint is not the wrapping token', () => {
    const text = encodeJoinSession(session()).reveal();
    expect(text).not.toContain('hvs.CAESIwrapwrapwrapwrap');
    const parsed = parseJoinSession(text);
    expect(parsed?.token.reveal()).toBe('s.clienttokenclienttoken');
    expect(parsed).toMatchObject({ clusterId: 'rke2-abc12345', role: 'agent', accessor: 'acc-1' });
  });

  it('continues only the same code, with more than a minute of token left', () => {
    expect(sessionContinues(session(), code(), now)).toBe(true);
    expect(sessionContinues(session(), code('hvs.CAESIotherotherother'), now)).toBe(false);
    expect(sessionContinues(session('2026-12-02T04:00:30Z'), code(), now)).toBe(false);
    expect(sessionContinues({ ...session(), role: 'server' }, code(), now)).toBe(false);
  });

  it('a corrupt or foreign file is no session', () => {
    for (const text of ['', 'not json', '{}', JSON.stringify({ v: 1, code_sha256: 'x', cluster: 'c', role: 'admin', accessor: 'a', expires_at: 'e', token: 'tttttttttt' }), JSON.stringify({ v: 1, code_sha256: 'x', cluster: 'c', role: 'agent', accessor: 'a', expires_at: 'e', token: 'bad token with spaces' })]) {
      expect(parseJoinSession(text)).toBeUndefined();
    }
  });
});
