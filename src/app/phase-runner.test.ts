import { describe, expect, it } from 'vitest';
import { EdgectlError } from '../core/errors.js';
import { type Host, HostState, type RunContext, type StepHandle, type Transport } from '../core/ports.js';
import { runHosts } from '../core/run-record.js';
import { type Phase, runPhases, runPhasesSettled } from './phase-runner.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A transport nothing here may use: the runner does no I/O of its own. */
const noTransport: Transport = {
  run: () => Promise.reject(new Error('no I/O in the runner')),
  putFile: () => Promise.reject(new Error('no I/O in the runner')),
  readFile: () => Promise.reject(new Error('no I/O in the runner')),
  readSecretFile: () => Promise.reject(new Error('no I/O in the runner')),
  remove: () => Promise.reject(new Error('no I/O in the runner')),
  copyFrom: () => Promise.reject(new Error('no I/O in the runner')),
  close: () => Promise.resolve(),
};

interface FakeHost extends Host {
  /** the host's in-memory "files" */
  files: Map<string, string>;
}

function fakeHosts(n: number): FakeHost[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `node-${i + 1}`,
    access: { kind: 'local' } as const,
    transport: noTransport,
    state: new HostState(),
    files: new Map<string, string>(),
  }));
}

function fakeContext(signal: AbortSignal = new AbortController().signal): { ctx: RunContext; warnings: string[] } {
  const warnings: string[] = [];
  const handle: StepHandle = { update: () => {}, done: () => {}, fail: () => {} };
  const start = performance.now();
  const ctx: RunContext = {
    env: {},
    signal,
    clock: { now: () => new Date(), monotonicMs: () => performance.now() - start, sleep: (ms) => tick(ms) },
    ui: { info: () => {}, warn: (m) => warnings.push(m), error: () => {}, debug: () => {}, step: () => handle },
  };
  return { ctx, warnings };
}

/** A phase that writes one file per host through its gate and logs start/end events. */
function writePhase(title: string, log: string[], opts: { delay?: (h: FakeHost) => number; fail?: string; cleanups?: string[]; only?: string[] } = {}): Phase<FakeHost> {
  return {
    title,
    select: (hosts) => (opts.only === undefined ? hosts : hosts.filter((h) => opts.only?.includes(h.name))),
    run: async (host, gate) => {
      log.push(`${title} start ${host.name}`);
      await tick(opts.delay?.(host) ?? 1);
      if (opts.fail === host.name) {
        log.push(`${title} fail ${host.name}`);
        throw new EdgectlError('hostStep', `${title} broke`, { hint: 'look at it' });
      }
      gate.note(`${title} needs nothing else`);
      await gate.change(`write /etc/${title} on ${host.name}`, async () => {
        host.files.set(`/etc/${title}`, 'x');
      });
      log.push(`${title} end ${host.name}`);
    },
    cleanup: async (host) => {
      opts.cleanups?.push(`${title} ${host.name}`);
      host.files.delete(`/etc/${title}`);
    },
  };
}

describe('runPhases', () => {
  it('starts no host of phase 2 before phase 1 ended on every host (barrier)', async () => {
    const { ctx } = fakeContext();
    const log: string[] = [];
    const hosts = fakeHosts(5);
    // uneven durations: without a barrier fast hosts would start phase 2 early
    await runPhases(ctx, hosts, [writePhase('one', log, { delay: (h) => (h.name === 'node-3' ? 30 : 2) }), writePhase('two', log)], { concurrency: 3, dryRun: false });
    const lastOne = Math.max(...log.map((e, i) => (e.startsWith('one ') ? i : -1)));
    const firstTwo = log.findIndex((e) => e.startsWith('two '));
    expect(lastOne).toBeGreaterThanOrEqual(0);
    expect(firstTwo).toBeGreaterThan(lastOne);
    expect(log.filter((e) => e.startsWith('two end'))).toHaveLength(5);
  });

  it('keeps at most `concurrency` hosts of a phase in flight', async () => {
    const { ctx } = fakeContext();
    let inFlight = 0;
    let peak = 0;
    const phase: Phase<FakeHost> = {
      title: 'count',
      select: (hosts) => hosts,
      run: async (_host, gate) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await tick(3);
        await gate.change('noop', async () => {});
        inFlight -= 1;
      },
    };
    await runPhases(ctx, fakeHosts(10), [phase], { concurrency: 4, dryRun: false });
    expect(peak).toBe(4);
    await runPhases(ctx, fakeHosts(3), [phase], { concurrency: 1, dryRun: false });
    expect(peak).toBe(4); // the second run never exceeded 1, so the peak stays
  });

  it('reports per host what each phase changed, and only on the hosts it selected', async () => {
    const { ctx } = fakeContext();
    const log: string[] = [];
    const hosts = fakeHosts(3);
    const phases = await runPhases(ctx, hosts, [writePhase('servers', log, { only: ['node-1'] }), writePhase('agents', log, { only: ['node-2', 'node-3'] })], { concurrency: 2, dryRun: false });
    expect(phases.map((p) => ({ title: p.title, hosts: p.hosts.map((h) => ({ host: h.host, status: h.status, changes: h.changes, error: h.error })) }))).toEqual([
      { title: 'servers', hosts: [{ host: 'node-1', status: 'done', changes: ['write /etc/servers on node-1'], error: undefined }] },
      {
        title: 'agents',
        hosts: [
          { host: 'node-2', status: 'done', changes: ['write /etc/agents on node-2'], error: undefined },
          { host: 'node-3', status: 'done', changes: ['write /etc/agents on node-3'], error: undefined },
        ],
      },
    ]);
    for (const h of phases.flatMap((p) => p.hosts)) expect(h.duration_ms).toBeGreaterThanOrEqual(0);
    expect([...hosts[0]!.files.keys()]).toEqual(['/etc/servers']);
    expect([...hosts[2]!.files.keys()]).toEqual(['/etc/agents']);
    expect(runHosts(ctx)).toEqual(['node-1', 'node-2', 'node-3']);
  });

  it('on a failure starts no new host, cleans up exactly the hosts whose run started, and names the failing host', async () => {
    const { ctx } = fakeContext();
    const log: string[] = [];
    const cleanups: string[] = [];
    const hosts = fakeHosts(6);
    // phase two: pool of 2; node-2 fails fast while node-1 is slow, so node-3.. never start
    const phases = [writePhase('one', log, { cleanups }), writePhase('two', log, { cleanups, fail: 'node-2', delay: (h) => (h.name === 'node-1' ? 20 : 1) }), writePhase('three', log, { cleanups })];
    const outcome = await runPhasesSettled(ctx, hosts, phases, { concurrency: 2, dryRun: false });

    expect(outcome.error).toBeInstanceOf(EdgectlError);
    expect(outcome.error).toMatchObject({ kind: 'hostStep', host: 'node-2', message: 'two broke', hint: 'look at it' });
    // phase three never started; phase two started on node-1 and node-2 only
    expect(log.some((e) => e.startsWith('three'))).toBe(false);
    expect(log.filter((e) => e.startsWith('two start'))).toEqual(['two start node-1', 'two start node-2']);
    expect(outcome.phases.map((p) => p.title)).toEqual(['one', 'two']);
    expect(outcome.phases[1]!.hosts.map((h) => `${h.host} ${h.status}`)).toEqual(['node-1 done', 'node-2 failed', 'node-3 skipped', 'node-4 skipped', 'node-5 skipped', 'node-6 skipped']);
    // node-1, in flight when node-2 failed, finished before any cleanup
    expect(log.indexOf('two end node-1')).toBeGreaterThan(log.indexOf('two fail node-2'));
    // cleanups: latest phase first, exactly the hosts whose run started
    expect(cleanups.slice(0, 2).sort()).toEqual(['two node-1', 'two node-2']);
    expect(cleanups.slice(2).sort()).toEqual(hosts.map((h) => `one ${h.name}`).sort());
    expect(cleanups).toHaveLength(8);
    expect(outcome.phases[1]!.hosts.map((h) => h.cleanup)).toEqual(['done', 'done', undefined, undefined, undefined, undefined]);
    for (const h of hosts) expect(h.files.size).toBe(0);
  });

  it('throws the failure as an EdgectlError naming the host, keeping a host the phase named itself', async () => {
    const { ctx } = fakeContext();
    await expect(runPhases(ctx, fakeHosts(3), [writePhase('one', [], { fail: 'node-3' })], { concurrency: 3, dryRun: false })).rejects.toMatchObject({
      name: 'EdgectlError',
      kind: 'hostStep',
      host: 'node-3',
    });
    const named: Phase<FakeHost> = {
      title: 'named',
      select: (hosts) => hosts.slice(0, 1),
      run: async () => {
        throw new EdgectlError('trust', 'CA mismatch', { host: 'server-0' });
      },
    };
    await expect(runPhases(ctx, fakeHosts(2), [named], { concurrency: 1, dryRun: false })).rejects.toMatchObject({ kind: 'trust', host: 'server-0' });
    const buggy: Phase<FakeHost> = {
      title: 'buggy',
      select: (hosts) => hosts.slice(1),
      run: async () => {
        throw new TypeError('x is undefined');
      },
    };
    await expect(runPhases(ctx, fakeHosts(2), [buggy], { concurrency: 1, dryRun: false })).rejects.toMatchObject({ kind: 'internal', host: 'node-2', message: 'x is undefined' });
  });

  it('a cleanup that fails is a warning; the first failure stays the error', async () => {
    const { ctx, warnings } = fakeContext();
    const phases: Phase<FakeHost>[] = [
      { title: 'one', select: (h) => h, run: async () => {}, cleanup: async (h) => { if (h.name === 'node-1') throw new Error('disk gone'); } },
      writePhase('two', [], { fail: 'node-2' }),
    ];
    const outcome = await runPhasesSettled(ctx, fakeHosts(2), phases, { concurrency: 2, dryRun: false });
    expect(outcome.error).toMatchObject({ host: 'node-2', message: 'two broke' });
    expect(warnings).toEqual(['node-1: cleanup after "one" failed: disk gone']);
    expect(outcome.phases[0]!.hosts.map((h) => h.cleanup)).toEqual(['failed', 'done']);
  });

  it('runs every preflight before any phase; a preflight failure names the host and runs nothing', async () => {
    const { ctx } = fakeContext();
    const log: string[] = [];
    const cleanups: string[] = [];
    const checked = { ...writePhase('two', log, { cleanups }), preflight: async (h: FakeHost) => { log.push(`check ${h.name}`); if (h.name === 'node-2') throw new EdgectlError('precondition', 'not root'); } };
    const outcome = await runPhasesSettled(ctx, fakeHosts(2), [writePhase('one', log, { cleanups }), checked], { concurrency: 1, dryRun: false });
    expect(outcome.error).toMatchObject({ kind: 'precondition', host: 'node-2' });
    expect(log).toEqual(['check node-1', 'check node-2']);
    expect(outcome.phases).toEqual([]);
    expect(cleanups).toEqual([]);
  });

  it('a dry run lists the same change lines and runs no change fn, no cleanup', async () => {
    const { ctx } = fakeContext();
    const log: string[] = [];
    const cleanups: string[] = [];
    const hosts = fakeHosts(2);
    const dry = await runPhases(ctx, hosts, [writePhase('one', log, { cleanups }), writePhase('two', log, { cleanups })], { concurrency: 2, dryRun: true });
    expect(hosts.every((h) => h.files.size === 0)).toBe(true);
    const wetHosts = fakeHosts(2);
    const wet = await runPhases(ctx, wetHosts, [writePhase('one', []), writePhase('two', [])], { concurrency: 2, dryRun: false });
    const lines = (r: typeof dry): string[][] => r.flatMap((p) => p.hosts.map((h) => h.changes));
    expect(lines(dry)).toEqual([['write /etc/one on node-1'], ['write /etc/one on node-2'], ['write /etc/two on node-1'], ['write /etc/two on node-2']]);
    expect(lines(dry)).toEqual(lines(wet));
    expect(dry[0]!.hosts[0]!.actions).toEqual(['one needs nothing else', 'write /etc/one on node-1']);
    expect(wetHosts.every((h) => h.files.size === 2)).toBe(true);

    // a failing dry run cleans up nothing (a cleanup is a change)
    const failing = await runPhasesSettled(ctx, fakeHosts(2), [writePhase('one', [], { cleanups }), writePhase('two', [], { cleanups, fail: 'node-1' })], { concurrency: 2, dryRun: true });
    expect(failing.error).toMatchObject({ host: 'node-1' });
    expect(cleanups).toEqual([]);
  });

  it('stops starting hosts once interrupted', async () => {
    const ac = new AbortController();
    const { ctx } = fakeContext(ac.signal);
    const started: string[] = [];
    const phase: Phase<FakeHost> = {
      title: 'slow',
      select: (h) => h,
      run: async (host) => {
        started.push(host.name);
        ac.abort();
      },
    };
    const outcome = await runPhasesSettled(ctx, fakeHosts(3), [phase], { concurrency: 1, dryRun: false });
    expect(started).toEqual(['node-1']);
    expect(outcome.error).toMatchObject({ kind: 'interrupted', host: 'node-2' });
  });
});

describe('tolerant phases (agents in a pool)', () => {
  it('a failed host sits out the later phases; the others go on; the run ends with that failure', async () => {
    const { ctx } = fakeContext();
    const ran: string[] = [];
    const join: Phase<FakeHost> = {
      title: 'Join agents',
      tolerant: true,
      select: (hs) => hs,
      run: async (h) => {
        if (h.name === 'node-2') throw new EdgectlError('hostStep', 'join failed');
        ran.push(`join ${h.name}`);
      },
    };
    const label: Phase<FakeHost> = { title: 'Label', select: (hs) => hs, run: async (h) => { ran.push(`label ${h.name}`); } };
    const outcome = await runPhasesSettled(ctx, fakeHosts(3), [join, label], { concurrency: 1, dryRun: false });
    expect(ran).toEqual(['join node-1', 'join node-3', 'label node-1', 'label node-3']);
    expect(outcome.error).toMatchObject({ kind: 'hostStep', host: 'node-2' });
    expect(outcome.phases[0]?.hosts.map((r) => r.status)).toEqual(['done', 'failed', 'done']);
    expect(outcome.phases[1]?.hosts.map((r) => r.host)).toEqual(['node-1', 'node-3']);
  });
});
