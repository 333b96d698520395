/** Phase: write the kubeconfig to --out, or merge it into the kubeconfig there (rke2 kubeconfig). */
import type { Secret } from '../../core/secret.js';
import type { Context } from '../context.js';
import type { Step } from '../plan.js';

export interface WriteKubeconfigFacts {
  /** the absolute path of the --out file */
  path: string;
  /** its directory, created 0700 when missing */
  dir: string;
  dirMissing: boolean;
  /** a file is there */
  exists: boolean;
  /** merge into the kubeconfig there (it exists and --force was not given) */
  merge: boolean;
  /** make this cluster the merged file's current-context */
  useContext: boolean;
  kubeconfig: Secret;
}

/** A new file, a merge that replaces only this cluster's entries, or (--force) a replacement: always atomic, always 0600. */
export function writeKubeconfigStep(ctx: Context, f: WriteKubeconfigFacts): Step {
  const { path, dir, merge, useContext, kubeconfig } = f;
  const write = merge
    ? `merge into ${path}: replace its cluster, user and context entries named like this cluster's, keep the others and ${useContext ? 'make this cluster current-context' : 'its current-context'}; atomically, mode 0600`
    : `${!f.exists ? 'write' : 'replace (--force)'} ${path} atomically with mode 0600 (it holds the cluster admin's key)`;
  return {
    id: 'write-file',
    title: `${merge ? 'Merge' : 'Write'} the kubeconfig ${merge ? 'into' : 'to'} ${path}`,
    run: async (gate) => {
      if (f.dirMissing) await gate.change(`create ${dir} (mode 0700)`, () => ctx.host.kubeconfigs.createDirectory(dir, 0o700));
      await gate.change(write, async () => {
        await ctx.host.kubeconfigs.write(path, kubeconfig, { merge, useContext });
        ctx.ui.debug(`wrote ${path}`);
      });
    },
  };
}
