import { describe, expect, it } from 'vitest';
import { type SkewNode, clusterSkewProblems, defaultJoinVersion, joinSkewProblems, skewBetween } from './version-skew.js';

const server = (name: string, version: string): SkewNode => ({ name, role: 'server', version });
const agent = (name: string, version: string): SkewNode => ({ name, role: 'agent', version });

describe('skewBetween', () => {
  it.each([
    // agent against a server
    [agent('a', 'v1.30.3+rke2r1'), server('s', 'v1.30.2+rke2r1'), 'refuse', /agent a \(v1.30.3\+rke2r1\) is newer than server s/],
    [agent('a', 'v1.30.2+rke2r2'), server('s', 'v1.30.2+rke2r1'), 'refuse', /newer/],
    [agent('a', 'v1.30.2+rke2r1'), server('s', 'v1.30.2+rke2r1'), undefined, undefined],
    [agent('a', 'v1.27.9+rke2r1'), server('s', 'v1.30.2+rke2r1'), undefined, undefined],
    [agent('a', 'v1.26.9+rke2r1'), server('s', 'v1.30.2+rke2r1'), 'refuse', /4 minor releases older .* at most 3/],
    [agent('a', 'v1.30.1+rke2r1'), server('s', 'v2.0.0+rke2r1'), 'refuse', /minor releases older/],
    // the same pairs seen from the server's side
    [server('s', 'v1.30.2+rke2r1'), agent('a', 'v1.30.3+rke2r1'), 'refuse', /agent a \(v1.30.3\+rke2r1\) is newer than server s/],
    [server('s', 'v1.31.0+rke2r1'), agent('a', 'v1.27.0+rke2r1'), 'refuse', /4 minor releases older/],
    [server('s', 'v1.30.9+rke2r1'), agent('a', 'v1.29.0+rke2r1'), undefined, undefined],
    // servers among themselves
    [server('s2', 'v1.30.1+rke2r1'), server('s1', 'v1.30.2+rke2r1'), 'warn', /server s2 \(v1.30.1\+rke2r1\) is older than server s1/],
    [server('s2', 'v1.29.9+rke2r1'), server('s1', 'v1.30.2+rke2r1'), 'warn', /older/],
    [server('s2', 'v1.31.0+rke2r1'), server('s1', 'v1.30.2+rke2r1'), undefined, undefined],
    [server('s2', 'v1.28.9+rke2r1'), server('s1', 'v1.30.2+rke2r1'), 'refuse', /2 minor releases apart; servers may differ by at most 1/],
    [server('s2', 'v1.32.0+rke2r1'), server('s1', 'v1.30.2+rke2r1'), 'refuse', /apart/],
    // agents among themselves, and unknown versions
    [agent('a', 'v1.20.0+rke2r1'), agent('b', 'v1.30.2+rke2r1'), undefined, undefined],
    [agent('a', 'v1.30.3+rke2r1'), server('s', 'unknown'), undefined, undefined],
    [server('s', 'pending'), server('t', 'v1.20.0+rke2r1'), undefined, undefined],
  ] as const)('%j vs %j → %s', (a, b, severity, message) => {
    const p = skewBetween(a, b);
    expect(p?.severity).toBe(severity);
    if (message !== undefined) expect(p?.message).toMatch(message);
  });
});

describe('joinSkewProblems', () => {
  const cluster = [server('s1', 'v1.30.2+rke2r1'), server('s2', 'v1.30.2+rke2r1'), agent('a1', 'v1.30.1+rke2r1')];

  it('lists a problem per node the joining one breaks the rule with', () => {
    expect(joinSkewProblems(agent('new', 'v1.30.3+rke2r1'), cluster).map((p) => p.severity)).toEqual(['refuse', 'refuse']);
    expect(joinSkewProblems(server('new', 'v1.30.1+rke2r1'), cluster).map((p) => p.severity)).toEqual(['warn', 'warn']);
    expect(joinSkewProblems(server('new', 'v1.30.0+rke2r1'), cluster).map((p) => p.severity)).toEqual(['warn', 'warn', 'refuse']);
    expect(joinSkewProblems(agent('new', 'v1.30.2+rke2r1'), cluster)).toEqual([]);
  });

  it('leaves out the joining node\'s own earlier entry (a re-run)', () => {
    expect(joinSkewProblems(server('s1', 'v1.30.3+rke2r1'), [server('s1', 'v1.28.0+rke2r1')])).toEqual([]);
  });
});

describe('clusterSkewProblems', () => {
  it('reports each breaching pair once and ignores warnings', () => {
    const problems = clusterSkewProblems([server('s1', 'v1.30.2+rke2r1'), server('s2', 'v1.30.1+rke2r1'), agent('a1', 'v1.30.3+rke2r1'), agent('a2', 'v1.30.1+rke2r1')]);
    expect(problems).toEqual([
      'agent a1 (v1.30.3+rke2r1) is newer than server s1 (v1.30.2+rke2r1); an agent may not be newer than any server',
      'agent a1 (v1.30.3+rke2r1) is newer than server s2 (v1.30.1+rke2r1); an agent may not be newer than any server',
    ]);
  });

  it('is empty for a cluster within the policy', () => {
    expect(clusterSkewProblems([server('s1', 'v1.31.0+rke2r1'), server('s2', 'v1.30.1+rke2r1'), agent('a1', 'v1.28.0+rke2r1')])).toEqual([]);
  });
});

describe('defaultJoinVersion', () => {
  it.each([
    [['v1.30.2+rke2r1', 'v1.30.1+rke2r1', 'unknown'], 'v1.31.0+rke2r1', 'v1.30.1+rke2r1'],
    [[], 'v1.30.2+rke2r1', 'v1.30.2+rke2r1'],
    [['unknown'], 'pending', undefined],
    [[], undefined, undefined],
  ] as const)('servers %j, cluster %s → %s', (servers, cluster, want) => {
    expect(defaultJoinVersion(servers, cluster)).toBe(want);
  });
});
