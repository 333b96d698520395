import { describe, expect, it } from 'vitest';
import { sudoDroppedVaultWarning } from './sudo-env.js';

describe('sudoDroppedVaultWarning', () => {
  it('warns under sudo and suggests sudo -E', () => {
    const w = sudoDroppedVaultWarning({ SUDO_USER: 'alice' }, 'rke2 server');
    expect(w).toContain('SUDO_USER=alice');
    expect(w).toContain('WITHOUT Vault');
    expect(w).toContain('sudo -E edgectl rke2 server');
    expect(w?.split('\n').length).toBeGreaterThan(3);
  });

  it('works without a command name', () => {
    expect(sudoDroppedVaultWarning({ SUDO_USER: 'bob' })).toContain('sudo -E edgectl …');
  });

  it.each([[{}], [{ SUDO_USER: '' }]])('says nothing outside sudo (%j)', (env) => {
    expect(sudoDroppedVaultWarning(env, 'rke2 server')).toBeUndefined();
  });
});
