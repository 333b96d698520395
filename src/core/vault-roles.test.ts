import { describe, expect, it } from 'vitest';
import { clusterCapabilityNeeds } from './vault-layout.js';
import { describeMissing, judgeRole } from './vault-roles.js';

describe('judgeRole', () => {
  const needs = clusterCapabilityNeeds('kv', 'rke2-abc12345', 'agent');

  it('serves a role when every required need is granted; optional gaps are kept apart', () => {
    const v = judgeRole('agent', needs, {
      'kv/data/rke2/rke2-abc12345': ['read'],
      'kv/data/rke2/rke2-abc12345/nodes/probe-node': ['create', 'read', 'update'],
    });
    expect(v.served).toBe(true);
    expect(v.missing).toEqual([]);
    expect(v.missingOptional.map((m) => [m.path, m.missing])).toEqual([
      ['kv/metadata/rke2/rke2-abc12345', ['read']],
      ['kv/metadata/rke2/rke2-abc12345/nodes/', ['list']],
      ['kv/metadata/rke2/rke2-abc12345/nodes/probe-node', ['delete']],
    ]);
    expect(v.capabilities).toEqual(['create', 'read', 'update']);
  });

  it('names what is missing, with the README stanza of that role', () => {
    const v = judgeRole('agent', needs, { 'kv/data/rke2/rke2-abc12345': ['read'], 'kv/data/rke2/rke2-abc12345/nodes/probe-node': ['read'] });
    expect(v.served).toBe(false);
    expect(describeMissing(v.missing)).toBe('create+update on kv/data/rke2/rke2-abc12345/nodes/probe-node (its node entry)');
    expect(v.missing[0]?.policyPath).toBe('kv/data/rke2/rke2-abc12345/nodes/*');
  });

  it('root serves everything, deny nothing', () => {
    const all = Object.fromEntries(needs.map((n) => [n.path, ['root']]));
    expect(judgeRole('agent', needs, all).served).toBe(true);
    const none = Object.fromEntries(needs.map((n) => [n.path, ['deny']]));
    expect(judgeRole('agent', needs, none).missing).toHaveLength(2);
  });
});
