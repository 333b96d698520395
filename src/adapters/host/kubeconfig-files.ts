/**
 * The KubeconfigFiles port: the admin kubeconfig's text is revealed only here,
 * checked and rewritten by the pure helpers of core/kubeconfig.ts, and written
 * atomically with mode 0600.
 */
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { kubeconfigProblem, kubeconfigServers, mergeKubeconfig, rewriteKubeconfig } from '../../core/kubeconfig.js';
import type { KubeconfigFiles, PathKind } from '../../core/ports.js';
import { Secret } from '../../core/secret.js';
import { readFileIfExists, writeFileAtomic } from './files.js';

async function kindOf(path: string): Promise<PathKind> {
  const st = await fs.stat(path).catch(() => undefined);
  return st === undefined ? 'absent' : st.isDirectory() ? 'directory' : 'other';
}

export function createKubeconfigFiles(): KubeconfigFiles {
  return {
    read: async (path) => {
      const text = await readFileIfExists(path);
      return text === undefined ? undefined : new Secret(text);
    },
    problem: async (kubeconfig) => kubeconfigProblem(kubeconfig.reveal()),
    rewrite: async (kubeconfig, opts) => {
      const r = rewriteKubeconfig(kubeconfig.reveal(), opts);
      return { kubeconfig: new Secret(r.text), server: r.server };
    },
    servers: async (kubeconfig) => kubeconfigServers(kubeconfig.reveal()),
    probe: async (path) => ({ dir: await kindOf(dirname(path)), target: await kindOf(path) }),
    mergesInto: async (path, kubeconfig, opts) => {
      const current = (await readFileIfExists(path)) ?? '';
      try {
        mergeKubeconfig(current, kubeconfig.reveal(), opts);
        return true;
      } catch {
        return false;
      }
    },
    createDirectory: async (dir, mode) => {
      await fs.mkdir(dir, { recursive: true, mode });
    },
    write: async (path, kubeconfig, opts) => {
      let text = kubeconfig.reveal();
      if (opts.merge) text = mergeKubeconfig((await readFileIfExists(path)) ?? '', text, { useContext: opts.useContext }).text;
      await writeFileAtomic(path, text, 0o600);
    },
  };
}
