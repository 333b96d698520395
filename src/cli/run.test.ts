import { describe, expect, it } from 'vitest';
import { testContext } from '../../test/support/context.js';
import { EXIT_CODES, EdgectlError, type ErrorKind } from '../core/errors.js';
import { runGuarded } from './run.js';

describe('error boundary', () => {
  const kinds = Object.keys(EXIT_CODES).filter((k) => k !== 'ok') as ErrorKind[];

  it.each(kinds)('maps an error of kind %s to its exit code with a one-line message and hint', async (kind) => {
    const { ctx, out, err } = testContext();
    const code = await runGuarded(ctx, async () => {
      throw new EdgectlError(kind, `something ${kind} happened`, { hint: 'do the thing', step: 'vault login' });
    });
    expect(code).toBe(EXIT_CODES[kind]);
    expect(err.text).toContain(`error: vault login: something ${kind} happened`);
    expect(err.text).toContain('hint: do the thing');
    expect(err.text).not.toMatch(/\n\s+at /); // no stack trace
    expect(out.text).toBe('');
  });

  it('reports unexpected errors as internal (70) with a please-report line and no stack', async () => {
    const { ctx, err } = testContext();
    const code = await runGuarded(ctx, async () => {
      throw new TypeError('undefined is not a function');
    });
    expect(code).toBe(70);
    expect(err.text).toContain('internal error: undefined is not a function');
    expect(err.text).toContain('please report');
    expect(err.text).not.toMatch(/\n\s+at /);
  });

  it('shows the stack of an internal error with EDGECTL_DEBUG=1', async () => {
    const { ctx, err } = testContext({ env: { EDGECTL_DEBUG: '1' } });
    await runGuarded(ctx, async () => {
      throw new Error('boom');
    });
    expect(err.text).toMatch(/debug: Error: boom\n\s+at /);
  });

  it('maps an error after an interrupt to 130', async () => {
    const ac = new AbortController();
    const { ctx, err } = testContext({ signal: ac.signal });
    const code = await runGuarded(ctx, async () => {
      ac.abort();
      throw new Error('aborted');
    });
    expect(code).toBe(130);
    expect(err.text).toContain('interrupted');
  });

  it('returns 0 and prints nothing on success', async () => {
    const { ctx, out, err } = testContext();
    expect(await runGuarded(ctx, async () => {})).toBe(0);
    expect(out.text + err.text).toBe('');
  });
});
