import { describe, expect, it } from 'vitest';
import { tokenNamespaceRefusal } from './token-namespace.js';

describe('tokenNamespaceRefusal', () => {
  it.each([
    ['root token anywhere', '', 'team-a'],
    ['same namespace', 'team-a/', 'team-a'],
    ['parent namespace', 'team-a/', 'team-a/edge'],
    ['child namespace (a mount like site-1/kv)', 'team-a/site-1/', 'team-a'],
    ['root namespace configured', 'team-b/', undefined],
  ])('%s: no refusal', (_what, token, ns) => {
    expect(tokenNamespaceRefusal(token, ns)).toBeUndefined();
  });

  it('a token of an unrelated namespace: exit 5, naming both namespaces and the fix', () => {
    const err = tokenNamespaceRefusal('team-b/', 'team-a');
    expect(err?.reason).toBe('auth');
    expect(err?.exitCode).toBe(5);
    expect(err?.message).toBe('the Vault token belongs to namespace "team-b/", which is not "team-a" nor a parent of it: Vault refuses it there');
    expect(err?.hint).toContain('VAULT_NAMESPACE=team-b');
    // a common prefix is not a parent
    expect(tokenNamespaceRefusal('team/', 'team-a')?.reason).toBe('auth');
  });
});
