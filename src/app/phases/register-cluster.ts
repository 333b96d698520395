/** Phase: register a new cluster in Vault, state=bootstrapping, before RKE2 starts (rke2 server, bootstrap). */
import { EdgectlError } from '../../core/errors.js';
import { HOST_PATHS } from '../../core/host-paths.js';
import { Secret } from '../../core/secret.js';
import { isVaultError } from '../../core/vault-errors.js';
import { tagsFromPairs } from '../../core/vault-layout.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';
import { clusterApiPath } from '../rke2-vault.js';
import { requireClusterCapabilities } from '../vault-capabilities.js';
import type { VaultSession } from '../vault-session.js';

/** What the registration writes, and whether this run wrote the cluster ID file (to remove it when nothing was registered). */
export interface RegisterClusterFacts {
  clusterId: string;
  /** the registration URL */
  server: string;
  host: string;
  address: string;
  /** --version, else "pending" */
  rke2Version: string;
  tags: Array<[string, string]>;
  /** this run wrote /etc/edgectl/cluster-id (it held no ID before) */
  wroteIdFile: boolean;
}

/** Create the cluster's entry only if absent (cas=0); a refusal or a lost race leaves the host as it was. */
export function registerClusterStep(ctx: Context, store: VaultSession, f: RegisterClusterFacts): Step {
  const path = clusterApiPath(store, f.clusterId);
  const registerOrLeaveHostAsItWas = async (): Promise<void> => {
    try {
      // every write of the bootstrap checked first: a refusal half-way would leave a cluster nothing completes
      await requireClusterCapabilities(store, f.clusterId, 'server', `bootstrap cluster ${f.clusterId}`);
    } catch (err) {
      // nothing was written: leave the host as it was
      if (f.wroteIdFile) await ctx.host.removeFile(HOST_PATHS.clusterIdFile);
      throw err;
    }
    try {
      await store.registry.registerCluster({
        id: f.clusterId,
        token: new Secret(''), // the token exists only once RKE2 has started
        server: f.server,
        state: 'bootstrapping',
        createdAt: ctx.clock.now(),
        hostname: f.host,
        ip: f.address,
        rke2Version: f.rke2Version,
        tags: tagsFromPairs(f.tags),
      });
    } catch (err) {
      // lost a race for this ID: the entry is another server's; leave the host as it was
      if (isVaultError(err, 'cas-conflict')) {
        if (f.wroteIdFile) await ctx.host.removeFile(HOST_PATHS.clusterIdFile);
        throw err;
      }
      // anything else may have come after the create landed (a refused or lost metadata write):
      // the ID file stays, so that the re-run continues this cluster instead of leaving an orphan
      throw err instanceof EdgectlError
        ? new EdgectlError(err.kind, err.message, { hint: `${err.hint === undefined ? '' : `${err.hint}; then `}re-run the same command: it continues cluster ${f.clusterId} (${HOST_PATHS.clusterIdFile} keeps its ID)`, ...(err.step === undefined ? {} : { step: err.step }), cause: err })
        : err;
    }
  };
  return {
    id: 'vault-register',
    title: `Register cluster ${f.clusterId} in Vault`,
    run: async (gate) => {
      await gate.change(`create ${path} only if absent (cas=0): state=bootstrapping, server=${f.server}`, () => registerOrLeaveHostAsItWas());
      gate.note('custom_metadata: created_at, hostname, ip, rke2_version, tags');
    },
  };
}
