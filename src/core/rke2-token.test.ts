import { describe, expect, it } from 'vitest';
import { EdgectlError } from './errors.js';
import { classifyLocalToken, parseJoinToken, redactToken } from './rke2-token.js';

const HASH = 'a'.repeat(64);

describe('join tokens', () => {
  it('parses the full K10 form', () => {
    expect(parseJoinToken(`K10${HASH}::server:s3cret\n`)).toEqual({ caHash: HASH, username: 'server' });
  });

  it('accepts a short token without a CA hash', () => {
    expect(parseJoinToken('justapassword')).toEqual({ caHash: undefined, username: undefined });
  });

  it.each(['', '  ', 'two words', `K10${HASH}:server:x`, `K10abc::server:x`])('rejects %j without echoing it', (t) => {
    expect(() => parseJoinToken(t)).toThrowError(EdgectlError);
    try {
      parseJoinToken(t);
    } catch (err) {
      if (t.trim() !== '') expect((err as Error).message).not.toContain(t.trim());
    }
  });

  it('redacts everything but a hash prefix', () => {
    const r = redactToken(`K10${HASH}::server:s3cret`);
    expect(r).toBe('K10aaaaaaaa…::<redacted>');
    expect(r).not.toContain('s3cret');
    expect(redactToken('short')).toBe('<redacted>');
  });
});

describe('classifyLocalToken', () => {
  const ca = 'a'.repeat(64);
  const t = (secret: string, hash = ca): string => `K10${hash}::server:${secret}`;
  it.each([
    [t('new'), t('new'), [], 'current'],
    [`${t('new')}\n`, t('new'), [], 'current'],
    [t('old'), t('new'), [t('old'), t('older')], 'older'],
    [t('mine'), t('new'), [t('old')], 'unpublished'],
    ['shortsecret', t('new'), [], 'unpublished'],
    [t('x', 'b'.repeat(64)), t('new'), [], 'foreign'],
  ] as const)('%s vs %s → %s', (local, current, older, want) => {
    expect(classifyLocalToken(local, current, older)).toBe(want);
  });
});
