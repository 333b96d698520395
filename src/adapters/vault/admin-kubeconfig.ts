/**
 * The admin kubeconfig of a cluster in the registry, under
 * rke2-admin/<id>/kubeconfig: outside rke2/, so agent policies cannot read it.
 */
import { parseClusterId } from '../../core/cluster-id.js';
import type { AdminKubeconfig } from '../../core/cluster-records.js';
import type { KvStore } from '../../core/ports.js';
import { Secret } from '../../core/secret.js';
import { ADMIN_KUBECONFIG_FIELDS, adminKubeconfigPath } from '../../core/vault-layout.js';
import { casWrite } from './cas.js';

/** The published admin kubeconfig of a cluster, or undefined (needs read on rke2-admin/<id>/kubeconfig). */
export async function readAdminKubeconfig(kv: KvStore, id: string): Promise<AdminKubeconfig | undefined> {
  const res = await kv.read<Record<string, unknown>>(adminKubeconfigPath(parseClusterId(id)));
  if (res.kind !== 'found') return undefined;
  const d = res.data;
  const str = (k: string): string | undefined => (typeof d[k] === 'string' ? (d[k] as string) : undefined);
  const kubeconfig = str(ADMIN_KUBECONFIG_FIELDS.kubeconfig);
  if (kubeconfig === undefined) return undefined;
  return {
    kubeconfig: new Secret(kubeconfig),
    server: str(ADMIN_KUBECONFIG_FIELDS.server) ?? '',
    publishedAt: str(ADMIN_KUBECONFIG_FIELDS.publishedAt),
    publishedBy: str(ADMIN_KUBECONFIG_FIELDS.publishedBy),
    version: res.info.version,
  };
}

/**
 * Store a cluster's admin kubeconfig with check-and-set; nothing is written
 * when Vault already holds the same one.
 */
export async function publishAdminKubeconfig(
  kv: KvStore,
  id: string,
  input: { kubeconfig: Secret; server: string; publishedBy: string },
  now: Date = new Date(),
): Promise<{ version: number; changed: boolean }> {
  const path = adminKubeconfigPath(parseClusterId(id));
  return casWrite<{ version: number; changed: boolean }>(
    kv,
    path,
    async () => {
      const current = await kv.read<Record<string, unknown>>(path);
      if (current.kind === 'found' && current.data[ADMIN_KUBECONFIG_FIELDS.kubeconfig] === input.kubeconfig.reveal() && current.data[ADMIN_KUBECONFIG_FIELDS.server] === input.server) {
        return { kind: 'done', value: { version: current.info.version, changed: false } };
      }
      const data = {
        [ADMIN_KUBECONFIG_FIELDS.kubeconfig]: input.kubeconfig.reveal(),
        [ADMIN_KUBECONFIG_FIELDS.server]: input.server,
        [ADMIN_KUBECONFIG_FIELDS.publishedAt]: now.toISOString(),
        [ADMIN_KUBECONFIG_FIELDS.publishedBy]: input.publishedBy,
      };
      return { kind: 'write', data, cas: current.kind === 'absent' ? 0 : current.info.version, result: (version: number) => ({ version, changed: true }) };
    },
    {
      conflict: {
        message: `the admin kubeconfig of cluster ${id} changed in Vault while it was being published`,
        hint: 'another server published it at the same time; re-run to publish on top of it',
      },
    },
  );
}
