import { describe, expect, it } from 'vitest';
import { runEdgectl, testContext } from '../../test/support/context.js';
import { executePlan } from '../app/plan.js';
import { runPhases } from '../app/phase-runner.js';
import { HostState } from '../core/ports.js';
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

  describe('with -o json', () => {
    it('prints an error object with the same exit code and the steps completed before the failure', async () => {
      const { ctx, out, err } = testContext();
      const steps = [
        { id: 'first', title: 'Do the first thing', plan: [], run: async () => {} },
        { id: 'second', title: 'Do the second thing', plan: [], run: async () => { throw new EdgectlError('hostStep', 'the second thing broke', { step: 'Do the second thing', host: 'node-1', hint: 'look at it' }); } },
      ];
      const code = await runGuarded(ctx, async () => { await executePlan(ctx, steps); }, { json: true });
      expect(code).toBe(7);
      const doc = JSON.parse(out.text);
      expect(doc).toEqual({
        error: { kind: 'hostStep', exit_code: 7, message: 'the second thing broke', hint: 'look at it', step: 'Do the second thing', host: 'node-1' },
        completed_steps: [{ id: 'first', title: 'Do the first thing', duration_ms: expect.any(Number) }],
      });
      expect(err.text).toContain('error: node-1: Do the second thing: the second thing broke'); // stderr unchanged
    });

    it('names the host a plan step failed on in the JSON error, and stderr reads as before for a one-host run', async () => {
      const { ctx, out, err } = testContext();
      const steps = [{ id: 'only', title: 'Do the only thing', run: async () => { throw new EdgectlError('hostStep', 'the only thing broke', { step: 'Do the only thing' }); } }];
      expect(await runGuarded(ctx, async () => { await executePlan(ctx, steps); }, { json: true })).toBe(7);
      expect(JSON.parse(out.text).error).toMatchObject({ step: 'Do the only thing', host: ctx.host.name });
      expect(err.text).toContain('error: Do the only thing: the only thing broke');
      expect(err.text).not.toContain(`${ctx.host.name}:`);
    });

    it('prefixes the host on stderr when the run spans several hosts', async () => {
      const { ctx, out, err } = testContext();
      const host = (name: string) => ({ name, access: { kind: 'local' as const }, transport: ctx.host.transport, state: new HostState() });
      const phase = { title: 'Join', select: <H>(hs: readonly H[]) => hs, run: async (h: { name: string }) => { if (h.name === 'node-b') throw new EdgectlError('hostStep', 'join failed'); } };
      expect(await runGuarded(ctx, async () => { await runPhases(ctx, [host('node-a'), host('node-b')], [phase], { concurrency: 2, dryRun: false }); }, { json: true })).toBe(7);
      expect(JSON.parse(out.text).error).toMatchObject({ kind: 'hostStep', host: 'node-b' });
      expect(err.text).toContain('error: node-b: join failed');
    });

    it('reports internal errors and interrupts as objects too', async () => {
      const { ctx, out } = testContext();
      expect(await runGuarded(ctx, async () => { throw new TypeError('oops'); }, { json: true })).toBe(70);
      expect(JSON.parse(out.text)).toMatchObject({ error: { kind: 'internal', exit_code: 70, message: 'oops', step: null, host: null }, completed_steps: [] });
      const ac = new AbortController();
      const t = testContext({ signal: ac.signal });
      expect(await runGuarded(t.ctx, async () => { ac.abort(); throw new Error('aborted'); }, { json: true })).toBe(130);
      expect(JSON.parse(t.out.text)).toMatchObject({ error: { kind: 'interrupted', exit_code: 130 } });
    });

    it('adds nothing when the command already wrote its JSON report', async () => {
      const { ctx, out } = testContext();
      const code = await runGuarded(ctx, async () => {
        (await import('../app/context.js')).writeJson(ctx, { ok: false });
        throw new EdgectlError('vaultUnavailable', 'down');
      }, { json: true });
      expect(code).toBe(4);
      expect(JSON.parse(out.text)).toEqual({ ok: false });
    });

    it('reports a usage error found after parsing, without the secret given on the command line', async () => {
      const r = await runEdgectl(['rke2', 'agent', '--no-vault', '--token', 'K10supersecret::server:abc', '--token-file', '/x', '-o', 'json']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({ error: { kind: 'usage', exit_code: 2, message: 'use only one of --token, --token-file, --token-stdin' }, completed_steps: [] });
      expect(r.stdout + r.stderr).not.toContain('supersecret');
      const late = await runEdgectl(['rke2', 'agent', '--no-vault', '--token', 'K10supersecret::server:abc', '-o', 'json']);
      expect(late.code).toBe(2);
      expect(JSON.parse(late.stdout)).toMatchObject({ error: { kind: 'usage', exit_code: 2 } });
      expect(late.stdout + late.stderr).not.toContain('supersecret');
    });

    it('reports a commander usage error once -o json was parsed, and none for text', async () => {
      const r = await runEdgectl(['cluster', 'list', '-o', 'json', '--bogus']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout)).toMatchObject({ error: { kind: 'usage', exit_code: 2, message: expect.stringContaining("unknown option '--bogus'"), hint: 'run with --help for usage' } });
      const bad = await runEdgectl(['rke2', 'status', '--output=json', '--cluster-id', 'NOT VALID']);
      expect(bad.code).toBe(2);
      expect(JSON.parse(bad.stdout).error.kind).toBe('usage');
      for (const argv of [['cluster', 'list', '--bogus'], ['cluster', 'list', '-o', 'yaml']]) {
        const t = await runEdgectl(argv);
        expect(t.code).toBe(2);
        expect(t.stdout).toBe('');
      }
    });
  });
});
