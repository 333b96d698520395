import { describe, expect, it } from 'vitest';
import { resolveApproleMount } from './vault-setup.js';

describe('resolveApproleMount', () => {
  it('the flag, else EDGECTL_VAULT_APPROLE_MOUNT, else approle; slashes trimmed', () => {
    expect(resolveApproleMount({}, undefined)).toBe('approle');
    expect(resolveApproleMount({ EDGECTL_VAULT_APPROLE_MOUNT: 'edge-approle/' }, undefined)).toBe('edge-approle');
    expect(resolveApproleMount({ EDGECTL_VAULT_APPROLE_MOUNT: 'x' }, 'y')).toBe('y');
    expect(resolveApproleMount({ EDGECTL_VAULT_APPROLE_MOUNT: '' }, undefined)).toBe('approle');
  });

  it('a malformed mount is a usage error naming its source', () => {
    expect(() => resolveApproleMount({}, '../sys')).toThrow(/invalid AppRole auth mount "\.\.\/sys" \(--approle-mount\)/);
    expect(() => resolveApproleMount({ EDGECTL_VAULT_APPROLE_MOUNT: 'a b' }, undefined)).toThrow(/EDGECTL_VAULT_APPROLE_MOUNT/);
  });
});
