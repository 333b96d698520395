import { describe, expect, it } from 'vitest';
import { testContext } from '../../test/support/context.js';
import { completedSteps, runHosts } from '../core/run-record.js';
import { EdgectlError } from '../core/errors.js';
import { type Step, dryRunPlan, executePlan } from './plan.js';

const writes = (log: string[]): Step[] => [
  { id: 'a', title: 'Write a', run: async (gate) => { await gate.change('write /a', async () => { log.push('a'); }); } },
  { id: 'b', title: 'Write b', run: async (gate) => { gate.note('b is new'); await gate.change('write /b', async () => { log.push('b'); }); } },
];

describe('plans run through the phase runner over this host', () => {
  it('executes in order, records the run host and every step with its changes', async () => {
    const { ctx, err } = testContext();
    const log: string[] = [];
    const results = await executePlan(ctx, writes(log));
    expect(log).toEqual(['a', 'b']);
    expect(results.map((r) => [r.id, r.changes])).toEqual([['a', ['write /a']], ['b', ['write /b']]]);
    expect(runHosts(ctx)).toEqual([ctx.host.name]);
    expect(completedSteps(ctx).map((s) => s.id)).toEqual(['a', 'b']);
    expect(err.text).toContain('Write a');
  });

  it('a dry run runs the same step code and changes nothing', async () => {
    const { ctx } = testContext();
    const log: string[] = [];
    const planned = await dryRunPlan(ctx, writes(log));
    expect(log).toEqual([]);
    expect(planned).toEqual([
      { id: 'a', title: 'Write a', actions: ['write /a'], changes: ['write /a'] },
      { id: 'b', title: 'Write b', actions: ['b is new', 'write /b'], changes: ['write /b'] },
    ]);
  });

  it('names this host on an EdgectlError, and throws anything else as it came (a bug, exit 70)', async () => {
    const { ctx } = testContext();
    const broken = (e: unknown): Step[] => [{ id: 'x', title: 'Break', run: async () => { throw e; } }];
    await expect(executePlan(ctx, broken(new EdgectlError('hostStep', 'nope')))).rejects.toMatchObject({ kind: 'hostStep', host: ctx.host.name });
    const bug = new TypeError('undefined is not a function');
    await expect(executePlan(ctx, broken(bug))).rejects.toBe(bug);
    await expect(dryRunPlan(ctx, broken(bug))).rejects.toBe(bug);
  });

  it('says what was done when interrupted between steps, and stops', async () => {
    const ac = new AbortController();
    const { ctx } = testContext({ signal: ac.signal });
    const log: string[] = [];
    const steps = writes(log);
    const first = steps[0] as Step;
    steps[0] = { ...first, run: async (gate) => { await first.run(gate); ac.abort(); } };
    await expect(executePlan(ctx, steps)).rejects.toMatchObject({ kind: 'interrupted', message: 'interrupted before "Write b"', hint: expect.stringContaining('done so far: Write a') });
    expect(log).toEqual(['a']);
  });
});
