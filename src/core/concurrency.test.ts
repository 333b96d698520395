import { describe, expect, it } from 'vitest';
import { mapBounded } from './concurrency.js';

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('mapBounded', () => {
  it('keeps order and never exceeds the bound', async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapBounded(Array.from({ length: 50 }, (_, i) => i), 7, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await tick(n % 3);
      inFlight -= 1;
      return n * 2;
    });
    expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    expect(peak).toBe(7);
  });

  it('rejects on the first failure and starts nothing new afterwards', async () => {
    const started: number[] = [];
    await expect(
      mapBounded([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 2, async (n) => {
        started.push(n);
        await tick(1);
        if (n === 1) throw new Error('boom');
        return n;
      }),
    ).rejects.toThrow('boom');
    await tick(10);
    expect(started.length).toBeLessThanOrEqual(3);
  });

  it('handles empty input and refuses a zero bound', async () => {
    expect(await mapBounded([], 4, async () => 1)).toEqual([]);
    await expect(mapBounded([1], 0, async () => 1)).rejects.toThrow(RangeError);
  });

  it('stops when the signal aborts', async () => {
    const ac = new AbortController();
    let calls = 0;
    const run = mapBounded(Array.from({ length: 100 }, (_, i) => i), 1, async () => {
      calls += 1;
      if (calls === 3) ac.abort(new Error('stop'));
      await tick(0);
    }, ac.signal);
    await expect(run).rejects.toThrow('stop');
    expect(calls).toBe(3);
  });
});
