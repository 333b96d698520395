import { describe, expect, it } from 'vitest';
import { EXIT_CODES, EdgectlError, exitCodeFor, withHost, type ErrorKind } from './errors.js';

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

describe('withHost', () => {
  it('copies the error with the host set and everything else kept', () => {
    const cause = new Error('underneath');
    const err = new EdgectlError('hostStep', 'it broke', { hint: 'look', step: 'Install', cause });
    const named = withHost(err, 'node-2');
    expect(named).toBeInstanceOf(EdgectlError);
    expect(named).not.toBe(err);
    expect({ kind: named.kind, message: named.message, hint: named.hint, step: named.step, host: named.host, cause: named.cause })
      .toEqual({ kind: 'hostStep', message: 'it broke', hint: 'look', step: 'Install', host: 'node-2', cause });
    expect(named.exitCode).toBe(7);
    expect(err.host).toBeUndefined();
  });

  it('keeps an error without a cause free of one', () => {
    const named = withHost(new EdgectlError('precondition', 'no'), 'a');
    expect(named.cause).toBeUndefined();
    expect(named.hint).toBeUndefined();
  });
});
