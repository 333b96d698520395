import { describe, expect, it } from 'vitest';
import { testContext } from '../../../test/support/context.js';
import { persistClusterIdStep } from './persist-cluster-id.js';

const { ctx } = testContext();

// step titles share one style: an imperative verb first, sentence case
const imperative = /^(Check|Install|Keep|Persist|Publish|Put|Record|Register|Remove|Delete|Rotate|Store|Uninstall|Upgrade|Write) /;

describe('step titles', () => {
  it.each([
    ['a new ID', persistClusterIdStep(ctx, 'rke2-abc12345', undefined)],
    ['an ID already on the host', persistClusterIdStep(ctx, 'rke2-abc12345', 'rke2-abc12345')],
    ['another ID on the host', persistClusterIdStep(ctx, 'rke2-abc12345', 'rke2-zzz99999')],
  ])('the cluster-ID step for %s is imperative', (_what, step) => {
    expect(step.title).toMatch(imperative);
    expect(step.title).toContain('rke2-abc12345');
  });

  it('says that an ID already in place is kept', () => {
    expect(persistClusterIdStep(ctx, 'rke2-abc12345', 'rke2-abc12345').title).toBe('Keep cluster ID rke2-abc12345 (already in /etc/edgectl/cluster-id)');
  });
});
