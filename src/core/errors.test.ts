import { describe, expect, it } from 'vitest';
import { EXIT_CODES, EdgectlError, exitCodeFor, type ErrorKind } from './errors.js';

describe('exit codes', () => {
  it('are distinct per error kind', () => {
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it.each(Object.keys(EXIT_CODES).filter((k) => k !== 'ok') as ErrorKind[])('maps kind %s to its documented code', (kind) => {
    expect(exitCodeFor(new EdgectlError(kind, 'x'))).toBe(EXIT_CODES[kind]);
  });

  it('treats unknown errors as internal (70)', () => {
    expect(exitCodeFor(new Error('boom'))).toBe(70);
    expect(exitCodeFor('string')).toBe(70);
  });
});
