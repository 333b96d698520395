import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSignalHandler, hostState } from './shutdown.js';

describe('signal handler', () => {
  let out = '';
  let aborted: Error | undefined;
  let died: string[] = [];
  const handler = () =>
    createSignalHandler({
      abort: (r) => (aborted = r),
      write: (t) => (out += t),
      die: (s) => died.push(s),
      graceMs: 10_000,
      state: () => ({ current: 'Install RKE2 and start the server', completed: ['Check Vault'], scripts: ['rke2.sh (pid 42)'] }),
    });
  beforeEach(() => {
    vi.useFakeTimers();
    out = '';
    aborted = undefined;
    died = [];
  });
  afterEach(() => vi.useRealTimers());

  it('interrupts the current step at once and says so, not "after the current step"', () => {
    handler()('SIGINT');
    expect(aborted?.message).toBe('interrupted by SIGINT');
    expect(out).toContain('SIGINT received: interrupting the current step and stopping');
    expect(out).toContain('press Ctrl-C again to exit at once');
    expect(out).not.toContain('after the current step');
    expect(died).toEqual([]);
  });

  it('ends the process within the grace period when the step does not return, saying where the host stands', () => {
    handler()('SIGTERM');
    vi.advanceTimersByTime(9_999);
    expect(died).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(died).toEqual(['SIGTERM']);
    expect(out).toContain('did not stop within 10s of SIGTERM; exiting now (SIGTERM, status 143)');
    expect(out).toContain('part-way through "Install RKE2 and start the server" (finished before it: Check Vault; rke2.sh (pid 42) was sent SIGTERM');
  });

  it('a second signal ends it at once', () => {
    const h = handler();
    h('SIGINT');
    h('SIGINT');
    expect(died).toEqual(['SIGINT']);
    expect(out).toContain('SIGINT again; exiting now (SIGINT, status 130)');
  });

  it('describes a run with nothing running', () => {
    expect(hostState({ current: undefined, completed: [], scripts: [] })).toBe(
      'the host may be part-way through the running operation (finished before it: nothing). Re-run the same command to finish: every step is safe to repeat',
    );
  });
});
