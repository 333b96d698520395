import { describe, expect, it } from 'vitest';
import { GENERATED_CLUSTER_ID, clusterIdProblem, generateClusterId, parseClusterId, secureRandomInt } from './cluster-id.js';
import { EdgectlError } from './errors.js';

describe('cluster IDs', () => {
  it('generates rke2- plus 8 lowercase letters/digits, different each time', () => {
    const ids = new Set(Array.from({ length: 200 }, () => generateClusterId()));
    for (const id of ids) expect(id).toMatch(GENERATED_CLUSTER_ID);
    expect(ids.size).toBe(200);
  });

  it('uses the given random source over the whole alphabet', () => {
    expect(generateClusterId(() => 0)).toBe('rke2-aaaaaaaa');
    expect(generateClusterId((max) => max - 1)).toBe('rke2-99999999');
  });

  it('secureRandomInt stays in [0, max) and reaches every value', () => {
    const seen = new Map<number, number>();
    for (let i = 0; i < 3600; i += 1) {
      const v = secureRandomInt(36);
      expect(Number.isInteger(v) && v >= 0 && v < 36).toBe(true);
      seen.set(v, (seen.get(v) ?? 0) + 1);
    }
    expect(seen.size).toBe(36);
    expect(secureRandomInt(1)).toBe(0);
    expect(() => secureRandomInt(0)).toThrow(RangeError);
    expect(() => secureRandomInt(2 ** 32 + 1)).toThrow(RangeError);
  });

  it.each(['abc', 'rke2-abc12345', 'a-b', 'x'.repeat(63), 'prod-01'])('accepts %s', (id) => {
    expect(clusterIdProblem(id)).toBeUndefined();
  });

  it.each([
    ['ab', 'must be 3 to 63'],
    ['x'.repeat(64), 'must be 3 to 63'],
    ['Rke2-abc', 'lowercase'],
    ['../etc', 'lowercase'],
    ['a/b', 'lowercase'],
    ['-abc', 'dash'],
    ['abc-', 'dash'],
    ['a b', 'lowercase'],
    ['', 'must be 3 to 63'],
  ])('rejects %j (%s)', (id, why) => {
    expect(clusterIdProblem(id)).toContain(why);
    expect(() => parseClusterId(id)).toThrowError(EdgectlError);
    try {
      parseClusterId(id);
    } catch (err) {
      expect((err as EdgectlError).exitCode).toBe(2);
    }
  });
});
