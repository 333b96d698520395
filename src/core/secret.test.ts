import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Secret } from './secret.js';

describe('Secret', () => {
  it('reveals its value only through reveal()', () => {
    const s = new Secret('K10abc::server:topsecret');
    expect(s.reveal()).toBe('K10abc::server:topsecret');
    expect(String(s)).toBe('[redacted]');
    expect(`${s}`).toBe('[redacted]');
    expect(JSON.stringify({ token: s })).toBe('{"token":"[redacted]"}');
    expect(inspect({ token: s })).not.toContain('topsecret');
    expect(Object.keys(s)).toEqual([]);
  });
});
