import { describe, expect, it } from 'vitest';
import { accessorProblem, cidrProblem, joinCodeTtl } from './join-code-options.js';

describe('joinCodeTtl', () => {
  it.each([
    ['1h', 3600],
    ['30m', 1800],
    ['24h', 86_400],
    ['60', 60],
    ['1h30m', 5400],
  ])('%s → %d seconds', (text, seconds) => {
    expect(joinCodeTtl(text)).toEqual({ seconds });
  });
  it.each(['25h', '59s', '0', 'soon', '', '1.5s'])('%j is refused', (text) => {
    expect(joinCodeTtl(text)).toHaveProperty('problem');
  });
});

describe('cidrProblem', () => {
  it.each(['10.0.0.0/24', '10.77.0.5', '10.77.0.5/32', '0.0.0.0/0', 'fd00::/8', '::1/128'])('%s is a CIDR', (c) => {
    expect(cidrProblem(c)).toBeUndefined();
  });
  it.each(['10.0.0.0/33', '10.0.0/24', 'fd00::/129', 'host.example/24', '10.0.0.0/24/1', '10.0.0.0/', '10.0.0.0/x'])('%s is not', (c) => {
    expect(cidrProblem(c)).toMatch(/--bind-cidr/);
  });
});

describe('accessorProblem', () => {
  it('accepts a UUID accessor and refuses paths and spaces', () => {
    expect(accessorProblem('0b6a5f3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b')).toBeUndefined();
    expect(accessorProblem('../x')).toMatch(/--accessor/);
    expect(accessorProblem('a b')).toMatch(/--accessor/);
    expect(accessorProblem('')).toMatch(/--accessor/);
  });
});
