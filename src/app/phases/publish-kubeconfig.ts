/** Phase: store the admin kubeconfig in Vault under rke2-admin/<id>/kubeconfig (rke2 kubeconfig --publish). */
import type { Secret } from '../../core/secret.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';
import type { VaultSession } from '../vault-session.js';

export interface PublishKubeconfigFacts {
  clusterId: string;
  nodeName: string;
  kubeconfig: Secret;
  /** the API server URL the kubeconfig points at */
  server: string;
  /** the Vault data path it is written to */
  path: string;
}

/** Write it with check-and-set (unchanged content writes nothing); tells published() the KV version and whether it changed. */
export function publishKubeconfigStep(ctx: Context, store: VaultSession, f: PublishKubeconfigFacts, published: (r: { version: number; changed: boolean }) => void): Step {
  const { clusterId, nodeName, kubeconfig, server, path } = f;
  return {
    id: 'vault-kubeconfig',
    title: `Publish the admin kubeconfig of ${clusterId} in Vault`,
    run: async (gate) => {
      await gate.change(`write ${path} (check-and-set; unchanged content writes nothing): kubeconfig pointing at ${server}, published_by=${nodeName}`, async () => {
        const r = await store.registry.publishAdminKubeconfig(clusterId, { kubeconfig, server, publishedBy: nodeName }, ctx.clock.now());
        published(r);
      });
      gate.note('readable only with a policy on rke2-admin/*: agents (policies on rke2/*) cannot read it');
    },
  };
}
