import { describe, expect, it } from 'vitest';
import { appRoleDifferences, appRoleSpec } from './approle-settings.js';

describe('the AppRole roles vault setup writes', () => {
  it('exactly the documented settings, named after cluster and role', () => {
    expect(appRoleSpec('rke2-abc12345', 'agent')).toEqual({
      name: 'edgectl-rke2-abc12345-agent',
      role: 'agent',
      body: {
        token_policies: ['edgectl-rke2-abc12345-agent'],
        token_ttl: '15m',
        token_max_ttl: '1h',
        secret_id_num_uses: 1,
        secret_id_ttl: '24h',
        bind_secret_id: true,
        token_type: 'service',
        token_no_default_policy: false,
      },
    });
    expect(appRoleSpec('rke2-abc12345', 'server').body.token_policies).toEqual(['edgectl-rke2-abc12345-server']);
  });

  it('a role read back (durations in seconds) equal to the spec has no differences; each loosened setting is named', () => {
    const read = {
      token_policies: ['edgectl-rke2-abc12345-server'],
      token_ttl: 900,
      token_max_ttl: 3600,
      secret_id_num_uses: 1,
      secret_id_ttl: 86400,
      bind_secret_id: true,
      token_type: 'service',
      token_no_default_policy: false,
    };
    expect(appRoleDifferences('rke2-abc12345', 'server', read)).toEqual([]);
    expect(appRoleDifferences('rke2-abc12345', 'agent', read)).toEqual(['token_policies']);
    expect(appRoleDifferences('rke2-abc12345', 'server', { ...read, secret_id_num_uses: 0, token_type: 'default' })).toEqual(['secret_id_num_uses', 'token_type']);
  });
});
