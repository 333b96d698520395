import { describe, expect, it } from 'vitest';
import { upgradeSummary } from './rke2-upgrade.js';

describe('upgradeSummary', () => {
  it.each([
    [{ installed: 'v1.30.1+rke2r1', target: 'v1.30.2+rke2r1', action: 'upgrade' as const }, 'v1.30.2+rke2r1', 'n1: RKE2 v1.30.1+rke2r1 → v1.30.2+rke2r1'],
    [{ installed: 'v1.30.3+rke2r1', target: 'v1.30.3+rke2r1', action: 'keep' as const }, 'v1.30.3+rke2r1', 'n1: RKE2 is already at v1.30.3+rke2r1; nothing was reinstalled or restarted'],
    [{ installed: 'v1.30.3+rke2r1', target: 'v1.30.3+rke2r1', action: 'restart' as const }, 'v1.30.3+rke2r1', 'n1: RKE2 is already at v1.30.3+rke2r1; restarted once to start it (an earlier run installed it)'],
    [{ installed: 'v1.30.3+rke2r1', target: 'v1.30.3+rke2r1', action: 'reinstall' as const }, 'v1.30.3+rke2r1', 'n1: RKE2 v1.30.3+rke2r1 reinstalled (--force)'],
    [{ installed: 'v1.30.3+rke2r1', target: 'v1.30.1+rke2r1', action: 'downgrade' as const }, 'v1.30.1+rke2r1', 'n1: RKE2 v1.30.3+rke2r1 → v1.30.1+rke2r1'],
  ])('%j', (plan, now, line) => {
    expect(upgradeSummary('n1', plan, now)).toBe(line);
    expect(upgradeSummary('n1', plan, now)).not.toMatch(/(v\S+) → \1$/);
  });
});
