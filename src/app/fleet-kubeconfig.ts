/**
 * `edgectl kubeconfig -f cluster.yaml`: the cluster's admin kubeconfig,
 * merged into ~/.kube/config (or --out FILE). From Vault when a server
 * published it (rke2 kubeconfig --publish), else read over SSH from the first
 * server of the file that has it (/etc/rancher/rke2/rke2.yaml, read as a
 * secret) and pointed at that server's address:6443. The kubeconfig holds the
 * cluster admin's key: it is written 0600 and printed only with `--out -`.
 */
import { dirname, join, resolve } from 'node:path';
import type { VaultFlags } from '../core/command-options.js';
import { EdgectlError, usageError } from '../core/errors.js';
import { HOST_PATHS } from '../core/host-paths.js';
import { apiServerUrl, parseServerAddress } from '../core/kubeconfig.js';
import type { Secret } from '../core/secret.js';
import { openSpecVault, readClusterFile } from './apply.js';
import { type Context, writeOut } from './context.js';
import { closeFleet, connectFleet, type SudoFlags } from './fleet.js';
import { verifyVaultAccess } from './rke2-vault.js';

export interface FleetKubeconfigInput {
  file: string;
  /** a file, or "-" for stdout; default ~/.kube/config */
  out: string | undefined;
  /** the name of its cluster, user and context entries; default the cluster ID */
  context: string | undefined;
  acceptNewHostKeys: boolean;
  knownHosts: string | undefined;
  sshTimeoutMs: number;
  /** how sudo on the hosts gets a password (default: it must not ask) */
  sudo?: SudoFlags;
  vault: VaultFlags;
}

/** kubectl accepts most names; ours go into YAML keys and messages, so keep them plain. */
const CONTEXT_NAME = /^[A-Za-z0-9]([A-Za-z0-9_.@:-]{0,251}[A-Za-z0-9])?$/;

export async function runFleetKubeconfig(ctx: Context, input: FleetKubeconfigInput): Promise<void> {
  if (input.context !== undefined && !CONTEXT_NAME.test(input.context)) throw usageError(`--context ${JSON.stringify(input.context)}: letters, digits and "_.@:-", starting and ending with a letter or digit`);
  if (input.out !== undefined && input.out !== '-' && (input.out === '' || input.out.endsWith('/'))) throw usageError(`--out ${JSON.stringify(input.out)} is not a file name`);
  const spec = await readClusterFile(ctx, input.file);
  const session = await openSpecVault(ctx, spec, input.vault);
  let got: { kubeconfig: Secret; server: string; name: string; source: string } | undefined;
  try {
    await verifyVaultAccess(session);
    const fileId = spec.spec.cluster.id === 'new' ? undefined : spec.spec.cluster.id;
    const published = fileId === undefined ? undefined : await session.registry.readAdminKubeconfig(fileId);
    if (published !== undefined) {
      const problem = await ctx.host.kubeconfigs.problem(published.kubeconfig);
      if (problem !== undefined) throw new EdgectlError('vaultState', `the admin kubeconfig of ${fileId ?? ''} published in Vault ${problem}; nothing was written`, { hint: 'publish it again from a server: sudo -E edgectl rke2 kubeconfig --publish' });
      const name = input.context ?? (fileId as string);
      const r = await ctx.host.kubeconfigs.rewrite(published.kubeconfig, { server: published.server, name, from: fileId as string });
      got = { ...r, name, source: `Vault (published by ${published.publishedBy || 'a server'})` };
    } else {
      got = await fromFirstServer(ctx, input, spec, fileId);
    }
  } finally {
    await session.close();
  }

  const home = ctx.homeDir;
  const given = input.out ?? join(home, '.kube', 'config');
  if (given === '-') {
    ctx.writeSecretLine(got.kubeconfig, 'if-missing');
    return;
  }
  const path = resolve(given.startsWith('~/') ? join(home, given.slice(2)) : given);
  const found = await ctx.host.kubeconfigs.probe(path);
  if (found.dir === 'other') throw new EdgectlError('precondition', `cannot write ${path}: ${dirname(path)} is not a directory`);
  if (found.target === 'directory') throw usageError(`--out ${given} is a directory; give a file name`);
  const merge = found.target !== 'absent';
  if (merge && !(await ctx.host.kubeconfigs.mergesInto(path, got.kubeconfig, { useContext: false }))) {
    throw new EdgectlError('precondition', `${path} exists and is not a kubeconfig; nothing was written`, { hint: 'choose another --out' });
  }
  if (found.dir === 'absent') await ctx.host.kubeconfigs.createDirectory(dirname(path), 0o700);
  await ctx.host.kubeconfigs.write(path, got.kubeconfig, { merge, useContext: false });
  writeOut(ctx, path);
  ctx.ui.info(`${merge ? 'Merged' : 'Wrote'} the admin kubeconfig from ${got.source} (context ${got.name}, server ${got.server}) ${merge ? 'into' : 'to'} ${path} (mode 0600; only the ${got.name} entries were replaced).`);
  ctx.ui.info(`Use it with: kubectl ${input.out === undefined ? '' : `--kubeconfig ${path} `}--context ${got.name} get nodes`);
}

/** The first server of the file, in its order, that is reachable and has rke2.yaml. */
async function fromFirstServer(ctx: Context, input: FleetKubeconfigInput, spec: Awaited<ReturnType<typeof readClusterFile>>, fileId: string | undefined): Promise<{ kubeconfig: Secret; server: string; name: string; source: string }> {
  const servers = spec.spec.hosts.filter((h) => h.role === 'server');
  if (servers.length === 0) throw usageError(`${input.file} has no server, and ${fileId === undefined ? 'names no cluster ID' : `no admin kubeconfig of ${fileId} is published in Vault`}`);
  const connected = await connectFleet(ctx, ctx.ssh, { ...spec, spec: { ...spec.spec, hosts: servers } }, {
    knownHostsPath: input.knownHosts ?? `${ctx.homeDir}/.ssh/known_hosts`,
    ...(input.sudo === undefined ? {} : { sudo: input.sudo }),
    acceptNewHostKeys: input.acceptNewHostKeys,
    timeoutMs: input.sshTimeoutMs,
    concurrency: 8,
    checkRole: false,
  });
  const why = connected.failures.map((f) => `${f.host}: ${f.error.message}`);
  try {
    for (const host of connected.hosts) {
      const id = fileId ?? host.facts.clusterId;
      if (fileId !== undefined && host.facts.clusterId !== undefined && host.facts.clusterId !== fileId) {
        why.push(`${host.name}: belongs to cluster ${host.facts.clusterId}, not ${fileId}`);
        continue;
      }
      const original = await host.transport.readSecretFile(HOST_PATHS.adminKubeconfig);
      if (original === undefined) {
        why.push(`${host.name}: no ${HOST_PATHS.adminKubeconfig} (rke2-server not started there)`);
        continue;
      }
      const name = input.context ?? id ?? spec.metadata.name;
      const r = await ctx.host.kubeconfigs.rewrite(original, { server: apiServerUrl(parseServerAddress(host.spec.ssh.address)), name });
      return { ...r, name, source: `server ${host.name} over SSH` };
    }
  } finally {
    await closeFleet(connected.hosts);
  }
  throw new EdgectlError('precondition', `no server of ${input.file} gave its admin kubeconfig:\n  ${why.join('\n  ')}`, {
    hint: fileId === undefined ? 'apply the file first (edgectl apply -f), or set spec.cluster.id and publish the kubeconfig from a server' : 'publish it from a server: sudo -E edgectl rke2 kubeconfig --publish',
  });
}
