import { describe, expect, it } from 'vitest';
import { compareVersionStrings, parseRke2Version, tokenRotationProblem } from './rke2-version.js';

describe('parseRke2Version', () => {
  it.each([
    ['v1.30.1+rke2r1', { major: 1, minor: 30, patch: 1, rc: undefined, build: 1 }],
    ['v1.28.3-rc2+rke2r2', { major: 1, minor: 28, patch: 3, rc: 2, build: 2 }],
  ])('%s', (text, parsed) => {
    expect(parseRke2Version(text)).toEqual(parsed);
  });

  it.each(['1.30.1+rke2r1', 'v1.30+rke2r1', 'v1.30.1', 'v1.30.1+k3s1', 'v1.30.1+rke2r1 ', 'latest', ''])('rejects %j', (text) => {
    expect(parseRke2Version(text)).toBeUndefined();
  });
});

describe('compareVersionStrings', () => {
  it.each([
    ['v1.30.1+rke2r1', 'v1.30.2+rke2r1', -1],
    ['v1.30.10+rke2r1', 'v1.30.9+rke2r1', 1],
    ['v1.31.0+rke2r1', 'v1.30.9+rke2r3', 1],
    ['v1.30.1+rke2r1', 'v1.30.1+rke2r2', -1],
    ['v1.30.1-rc1+rke2r1', 'v1.30.1+rke2r1', -1],
    ['v1.30.1-rc2+rke2r1', 'v1.30.1-rc10+rke2r1', -1],
    ['v1.30.1+rke2r1', 'v1.30.1+rke2r1', 0],
    ['v1.30.1+rke2r1', 'unknown', undefined],
  ] as const)('%s vs %s → %s', (a, b, want) => {
    expect(compareVersionStrings(a, b)).toBe(want);
  });
});

describe('tokenRotationProblem: rke2 token rotate exists since v1.25.15, v1.26.10, v1.27.7, v1.28.3 and in v1.29+', () => {
  it.each([
    'v1.25.15+rke2r1',
    'v1.25.16+rke2r1',
    'v1.26.10+rke2r2',
    'v1.27.7+rke2r1',
    'v1.28.3+rke2r1',
    'v1.28.15+rke2r1',
    'v1.29.0+rke2r1',
    'v1.30.1+rke2r1',
    'v1.33.1-rc1+rke2r1',
    'v2.0.0+rke2r1',
  ])('%s can rotate', (v) => {
    expect(tokenRotationProblem(v)).toBeUndefined();
  });

  it.each(['v1.24.17+rke2r1', 'v1.25.14+rke2r1', 'v1.26.9+rke2r1', 'v1.27.6+rke2r1', 'v1.28.2+rke2r1', 'v1.28.3-rc1+rke2r1', 'v0.9.0+rke2r1'])(
    '%s cannot, and the message names the releases that can',
    (v) => {
      expect(tokenRotationProblem(v)).toMatch(new RegExp(`RKE2 ${v.replace(/[.+]/g, '\\$&')} has no 'rke2 token rotate'; it needs v1\\.25\\.15, v1\\.26\\.10, v1\\.27\\.7, v1\\.28\\.3`));
    },
  );

  it('an unknown version is refused too', () => {
    expect(tokenRotationProblem(undefined)).toMatch(/cannot tell whether RKE2 \(unknown version\)/);
    expect(tokenRotationProblem('garbage')).toMatch(/cannot tell/);
  });
});
