import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONCRETE_VAULT_ROLES, clusterCapabilityNeeds } from './vault-layout.js';
import { judgeRole } from './vault-roles.js';
import {
  type PolicyRule,
  basePolicies,
  bootstrapPolicyRules,
  clusterPolicies,
  clusterPolicyRules,
  operatorPolicyRules,
  setupAdminPolicyRules,
  policyGrants,
  policyPathMatches,
  renderPolicy,
} from './vault-policies.js';

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
const ID = 'rke2-abc12345';

function readmeStanza(name: string): string {
  const m = new RegExp(`<!-- policy: ${name} -->\\n\`\`\`hcl\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (m?.[1] === undefined) throw new Error(`README has no policy ${name}`);
  return m[1];
}

describe('the README policies are what the module renders (mount kv, cluster rke2-abc12345)', () => {
  it.each([
    ['edgectl-operator', () => renderPolicy(operatorPolicyRules('kv'))],
    ['edgectl-server', () => renderPolicy(bootstrapPolicyRules('kv'))],
    ['edgectl-rke2-abc12345-server', () => renderPolicy(clusterPolicyRules('kv', ID, 'server'))],
    ['edgectl-agent', () => renderPolicy(clusterPolicyRules('kv', ID, 'agent'))],
    ['edgectl-setup-admin', () => renderPolicy(setupAdminPolicyRules('kv', 'approle'))],
  ])('%s', (name, render) => {
    expect(readmeStanza(name)).toBe(render());
  });

  it('names: operator, bootstrap, and per cluster edgectl-<id>-server / -agent', () => {
    expect(basePolicies('kv').map((p) => p.name)).toEqual(['edgectl-operator', 'edgectl-bootstrap']);
    expect(clusterPolicies('kv', ID).map((p) => p.name)).toEqual(['edgectl-rke2-abc12345-server', 'edgectl-rke2-abc12345-agent']);
    expect(clusterPolicies('team/kv', ID)[1]?.hcl).toContain('path "team/kv/data/rke2/rke2-abc12345"');
  });

  it('refuses a malformed mount or cluster ID before rendering a path', () => {
    expect(() => operatorPolicyRules('../kv')).toThrow(/invalid KV mount/);
    expect(() => clusterPolicyRules('kv', 'rke2-../x', 'agent')).toThrow();
  });
});

describe('vault check judges against the same tables', () => {
  const granted = (rules: readonly PolicyRule[], paths: readonly string[]): Record<string, string[]> =>
    Object.fromEntries(paths.map((p) => [p, policyGrants(rules, p)]));
  const policyFor = { server: clusterPolicyRules('kv', ID, 'server'), agent: clusterPolicyRules('kv', ID, 'agent'), operator: operatorPolicyRules('kv') };

  it.each(CONCRETE_VAULT_ROLES.map((r) => [r]))('the generated %s policy serves every need of the role, optional ones included', (role) => {
    const needs = clusterCapabilityNeeds('kv', ID, role);
    const verdict = judgeRole(role, needs, granted(policyFor[role], needs.map((n) => n.path)));
    expect(verdict.missing).toEqual([]);
    expect(verdict.missingOptional).toEqual([]);
    expect(verdict.served).toBe(true);
  });

  it('a per-cluster policy serves nothing of another cluster', () => {
    for (const role of ['server', 'agent'] as const) {
      const needs = clusterCapabilityNeeds('kv', 'rke2-other000', role);
      const verdict = judgeRole(role, needs, granted(policyFor[role], needs.map((n) => n.path)));
      expect(verdict.served).toBe(false);
      expect(needs.every((n) => policyGrants(policyFor[role], n.path).length === 0)).toBe(true);
    }
  });

  it('the bootstrap policy serves the server role\'s required needs for any cluster', () => {
    const needs = clusterCapabilityNeeds('kv', 'rke2-new00000', 'server');
    expect(judgeRole('server', needs, granted(bootstrapPolicyRules('kv'), needs.map((n) => n.path))).served).toBe(true);
  });
});

describe('policyPathMatches and policyGrants (Vault ACL globs)', () => {
  it.each([
    ['kv/data/rke2/*', 'kv/data/rke2/x', true],
    ['kv/data/rke2/*', 'kv/data/rke2/x/nodes/y', true],
    ['kv/data/rke2/*', 'kv/data/rke2-admin/x', false],
    ['kv/data/rke2*', 'kv/data/rke2-admin/x', true],
    ['kv/data/rke2/x', 'kv/data/rke2/x', true],
    ['kv/data/rke2/x', 'kv/data/rke2/xy', false],
    ['kv/data/rke2/+', 'kv/data/rke2/x', true],
    ['kv/data/rke2/+', 'kv/data/rke2/x/nodes', false],
    ['kv/data/rke2/+/nodes/*', 'kv/data/rke2/x/nodes/n', true],
    ['kv/metadata/rke2/x/nodes/*', 'kv/metadata/rke2/x/nodes/', true],
  ])('%s ~ %s: %s', (pattern, path, expected) => {
    expect(policyPathMatches(pattern, path)).toBe(expected);
  });

  it('an exact path wins over a glob, a longer glob over a shorter one', () => {
    const rules: PolicyRule[] = [
      { path: 'kv/data/*', capabilities: ['read'] },
      { path: 'kv/data/rke2/*', capabilities: ['list'] },
      { path: 'kv/data/rke2/x', capabilities: ['create'] },
    ];
    expect(policyGrants(rules, 'kv/data/rke2/x')).toEqual(['create']);
    expect(policyGrants(rules, 'kv/data/rke2/y')).toEqual(['list']);
    expect(policyGrants(rules, 'kv/data/other')).toEqual(['read']);
    expect(policyGrants(rules, 'sys/mounts')).toEqual([]);
  });
});
