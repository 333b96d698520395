import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createTerminalUi } from './terminal.js';

describe('plain (non-TTY) progress', () => {
  let now = 0;
  let text = '';
  const ui = (heartbeatMs?: number) => {
    const stderr = new PassThrough();
    stderr.on('data', (d: Buffer) => (text += d.toString()));
    return createTerminalUi({ stderr, isTTY: false, noColor: true, debug: false, clock: { now: () => new Date(), monotonicMs: () => now, sleep: async () => {} }, heartbeatMs });
  };
  // advance the monotonic clock and the interval timers together
  const advance = async (ms: number) => {
    for (let i = 0; i < ms / 500; i += 1) {
      now += 500;
      await vi.advanceTimersByTimeAsync(500);
    }
  };
  beforeEach(() => {
    vi.useFakeTimers();
    now = 0;
    text = '';
  });
  afterEach(() => vi.useRealTimers());

  it('prints a heartbeat with the elapsed time when a long step is silent', async () => {
    const step = ui().step('Install RKE2');
    await advance(45_000);
    step.done();
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('… Install RKE2');
    expect(lines.filter((l) => l.includes('still running'))).toEqual([
      '  Install RKE2: still running (15.0s)',
      '  Install RKE2: still running (30.0s)',
      '  Install RKE2: still running (45.0s)',
    ]);
    expect(lines.at(-1)).toBe('✓ Install RKE2 (45.0s)');
  });

  it('collapses an unchanged detail into "same for" lines and prints a changed one at once', async () => {
    const step = ui(10_000).step('Wait for RKE2');
    step.update('waiting for: service not active');
    await advance(5_000);
    step.update('waiting for: service not active'); // identical: no line
    await advance(145_000);
    step.update('waiting for: token not written');
    await advance(1_000);
    step.done();
    const lines = text.trim().split('\n');
    expect(lines.filter((l) => l === '  Wait for RKE2: waiting for: service not active (0ms)')).toHaveLength(1);
    expect(lines).toContain('  Wait for RKE2: waiting for: service not active (same for 2m30s, 2m30s in all)');
    expect(lines).toContain('  Wait for RKE2: waiting for: token not written (2m30s)');
    // one heartbeat per 10 s of silence, not one per check
    expect(lines.filter((l) => l.includes('same for')).length).toBe(15);
  });

  it('stops the heartbeat when the step ends', async () => {
    const step = ui(1_000).step('Quick');
    step.fail('broke');
    await advance(10_000);
    expect(text).toBe('… Quick\n✗ Quick: broke (0ms)\n');
  });
});
