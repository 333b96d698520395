/**
 * `edgectl rke2 kubeconfig`: the admin kubeconfig for remote use. On a server
 * it reads RKE2's /etc/rancher/rke2/rke2.yaml, points it at an address other
 * hosts can reach (never 127.0.0.1), renames RKE2's "default" entries to the
 * cluster ID, and writes it with mode 0600; --publish stores it in Vault under
 * rke2-admin/<id>/kubeconfig, a tree agent policies on rke2/* cannot read.
 * --from-vault fetches it on an operator's machine.
 */
import { dirname, join, resolve } from 'node:path';
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import { EdgectlError, usageError } from '../core/errors.js';
import { HOST_PATHS } from '../core/host-paths.js';
import { type ServerAddress, apiServerUrl, isLoopbackHost, parseServerAddress, serverAddressProblem } from '../core/kubeconfig.js';
import type { Secret } from '../core/secret.js';
import { adminKubeconfigPath } from '../core/vault-layout.js';
import { type Context, writeJson, writeOut } from './context.js';
import { type Step, runPlan } from './plan.js';
import { resolveClusterId, thisNodeName } from './rke2-node.js';
import { publishKubeconfigStep } from './phases/publish-kubeconfig.js';
import { writeKubeconfigStep } from './phases/write-kubeconfig.js';
import { describeVault, findCluster, verifyVaultAccess } from './rke2-vault.js';
import { openVault } from './vault-session.js';

export interface KubeconfigInput {
  clusterId: string | undefined;
  serverAddress: string | undefined;
  publish: boolean;
  fromVault: boolean;
  /** a file, or "-" for stdout; default <cluster-id>.kubeconfig (none with --publish alone) */
  out: string | undefined;
  dryRun: boolean;
  output: OutputFormat;
  vault: VaultFlags;
  /** replace an existing --out file instead of merging into it */
  force?: boolean;
  /** make this cluster the merged file's current-context */
  useContext?: boolean;
}

/** The --output json shape of `rke2 kubeconfig` (never the kubeconfig itself). */
export interface KubeconfigJson {
  cluster_id: string | null;
  source: 'local' | 'vault';
  /** the API server URL the kubeconfig points at */
  server: string;
  /** the file written (absolute), or null */
  out: string | null;
  published: null | { vault_path: string; kv_version: number | null; changed: boolean | null };
  /** what happened to the --out file: created, merged into an existing kubeconfig, or replaced (--force); null without a file */
  out_action?: 'created' | 'merged' | 'replaced' | null;
}

/** Write, publish or fetch the admin kubeconfig. */
export async function runKubeconfig(ctx: Context, input: KubeconfigInput): Promise<void> {
  if (input.publish && input.fromVault) throw usageError('use only one of --publish (on a server) and --from-vault (on an operator machine)');
  if (input.out === '-' && input.output === 'json') throw usageError('--out - prints the kubeconfig on stdout; it cannot be combined with --output json');
  if (input.out !== undefined && input.out !== '-' && (input.out === '' || input.out.endsWith('/'))) throw usageError(`--out ${JSON.stringify(input.out)} is not a file name`);
  const address = input.serverAddress === undefined ? undefined : parseServerAddress(input.serverAddress);
  if (input.fromVault) {
    await fromVault(ctx, input, address);
    return;
  }
  await fromServer(ctx, input, address);
}

async function fromVault(ctx: Context, input: KubeconfigInput, address: ServerAddress | undefined): Promise<void> {
  const clusterId = input.clusterId ?? (await ctx.host.readLocalClusterId());
  if (clusterId === undefined) throw usageError('--from-vault needs --cluster-id ID');
  const store = await openVault(ctx, input.vault);
  try {
    await verifyVaultAccess(store);
    const published = await store.registry.readAdminKubeconfig(clusterId);
    if (published === undefined) {
      throw new EdgectlError('vaultState', `no admin kubeconfig of cluster ${clusterId} is published in ${describeVault(store)} (${store.kv.dataPath(adminKubeconfigPath(clusterId))})`, {
        hint: 'publish it from a server of the cluster: sudo -E edgectl rke2 kubeconfig --publish',
      });
    }
    let kubeconfig = published.kubeconfig;
    let server = published.server;
    const problem = await ctx.host.kubeconfigs.problem(kubeconfig);
    if (problem !== undefined) {
      // never written out: a file that is not a kubeconfig would break kubectl (and a merge would fail on it)
      throw new EdgectlError('vaultState', `what ${store.kv.dataPath(adminKubeconfigPath(clusterId))} holds ${problem}; nothing was written`, {
        hint: 'publish it again from a server of the cluster: sudo -E edgectl rke2 kubeconfig --publish',
      });
    }
    if (address !== undefined) {
      const r = await ctx.host.kubeconfigs.rewrite(kubeconfig, { server: apiServerUrl(address), name: clusterId });
      kubeconfig = r.kubeconfig;
      server = r.server;
    }
    if ((await ctx.host.kubeconfigs.servers(kubeconfig)).some((s) => isLoopbackHost(new URL(s).hostname))) {
      throw new EdgectlError('precondition', `the published kubeconfig of ${clusterId} points at a loopback address`, { hint: 'pass --server-address ADDR, or re-publish it from a server' });
    }
    const out = expandHome(ctx, input.out ?? `${clusterId}.kubeconfig`);
    const json: KubeconfigJson = { cluster_id: clusterId, source: 'vault', server, out: out === '-' ? null : resolve(out), published: null, out_action: null };
    const steps = await writeSteps(ctx, out, kubeconfig, input, json);
    await finish(ctx, input, steps, json, out === '-' ? kubeconfig : undefined);
  } finally {
    await store.close();
  }
}

async function fromServer(ctx: Context, input: KubeconfigInput, address: ServerAddress | undefined): Promise<void> {
  ctx.host.requireRoot('edgectl rke2 kubeconfig'); // rke2.yaml is root-only
  const localId = await ctx.host.readLocalClusterId();
  const clusterId = input.publish ? resolveClusterId(input.clusterId, localId) : (input.clusterId ?? localId);
  const original = await ctx.host.kubeconfigs.read(HOST_PATHS.adminKubeconfig);
  if (original === undefined) {
    throw new EdgectlError('precondition', `there is no admin kubeconfig at ${HOST_PATHS.adminKubeconfig}: this host is not an RKE2 server, or rke2-server has not started yet`, {
      hint: 'run this on a server of the cluster; elsewhere fetch a published one with --from-vault --cluster-id ID',
    });
  }
  const host = ctx.host.hostname().toLowerCase();
  const nodeName = await thisNodeName(ctx, host);
  const store = input.publish ? await openVault(ctx, input.vault) : undefined;
  try {
    let server: string;
    if (address !== undefined) server = apiServerUrl(address);
    else {
      // the address this server was registered with, else its primary address
      let candidate: string | undefined;
      if (store !== undefined && clusterId !== undefined) {
        await verifyVaultAccess(store);
        candidate = (await store.registry.readNode(clusterId, nodeName))?.ip || undefined;
      }
      candidate ??= ctx.host.primaryAddress();
      if (candidate === undefined || serverAddressProblem(candidate) !== undefined) {
        throw new EdgectlError('precondition', 'cannot tell which address other hosts reach this server at', { hint: 'pass --server-address ADDR (an IP, DNS name or load balancer)' });
      }
      server = apiServerUrl(parseServerAddress(candidate));
    }
    const { kubeconfig } = await ctx.host.kubeconfigs.rewrite(original, { server, name: clusterId ?? 'rke2' });
    const steps: Step[] = [];
    const json: KubeconfigJson = { cluster_id: clusterId ?? null, source: 'local', server, out: null, published: null };
    if (store !== undefined && clusterId !== undefined) {
      await verifyVaultAccess(store);
      if ((await findCluster(store, clusterId)) === undefined) {
        throw new EdgectlError('vaultState', `cluster ${clusterId} is not registered in ${describeVault(store)}`, { hint: 'check the cluster ID and the Vault namespace/mount (edgectl cluster list)' });
      }
      const path = store.kv.dataPath(adminKubeconfigPath(clusterId));
      json.published = { vault_path: path, kv_version: null, changed: null };
      steps.push(publishKubeconfigStep(ctx, store, { clusterId, nodeName, kubeconfig, server, path }, (r) => {
        json.published = { vault_path: path, kv_version: r.version, changed: r.changed };
      }));
    }
    const out = input.out !== undefined ? expandHome(ctx, input.out) : input.publish ? undefined : `${clusterId ?? 'rke2'}.kubeconfig`;
    if (out !== undefined) {
      json.out_action = null;
      steps.push(...(await writeSteps(ctx, out, kubeconfig, input, json)));
      json.out = out === '-' ? null : resolve(out);
    }
    await finish(ctx, input, steps, json, out === '-' ? kubeconfig : undefined);
  } finally {
    await store?.close();
  }
}

/** `~/x` → $HOME/x, for a quoted or `--out=~/…` argument the shell did not expand. */
function expandHome(ctx: Context, out: string): string {
  const home = ctx.env.HOME;
  return out.startsWith('~/') && home !== undefined && home !== '' ? join(home, out.slice(2)) : out;
}

/**
 * The step that writes --out (none for stdout), after the checks that refuse
 * before anything runs: a directory, or a file there that is not a kubeconfig.
 */
async function writeSteps(ctx: Context, out: string, kubeconfig: Secret, input: KubeconfigInput, json: KubeconfigJson): Promise<Step[]> {
  if (out === '-') return []; // printed by finish, after the plan ran
  const path = resolve(out);
  const dir = dirname(path);
  const found = await ctx.host.kubeconfigs.probe(path);
  if (found.dir === 'other') throw new EdgectlError('precondition', `cannot write ${path}: ${dir} is not a directory`);
  if (found.target === 'directory') throw usageError(`--out ${out} is a directory; give a file name`);
  const exists = found.target !== 'absent';
  const force = input.force === true;
  const merge = exists && !force;
  const useContext = input.useContext === true;
  // refuse before anything runs when the file there is not a kubeconfig: it is not ours to overwrite
  if (merge && !(await ctx.host.kubeconfigs.mergesInto(path, kubeconfig, { useContext }))) {
    throw new EdgectlError('precondition', `${path} exists and is not a kubeconfig; nothing was written`, { hint: 'choose another --out, or pass --force to replace it' });
  }
  json.out_action = !exists ? 'created' : merge ? 'merged' : 'replaced';
  return [writeKubeconfigStep(ctx, { path, dir, dirMissing: found.dir === 'absent', exists, merge, useContext, kubeconfig })];
}

async function finish(ctx: Context, input: KubeconfigInput, steps: Step[], json: KubeconfigJson, toStdout: Secret | undefined): Promise<void> {
  const results = await runPlan(ctx, { dryRun: input.dryRun, output: input.output, header: `Plan for edgectl rke2 kubeconfig (${json.source === 'vault' ? 'from Vault' : 'from this server'}, server ${json.server}):`, json: { ...json }, steps });
  if (results === undefined) return;
  if (toStdout !== undefined) {
    ctx.writeSecretLine(toStdout, 'if-missing');
    return;
  }
  if (input.output === 'json') {
    writeJson(ctx, { ...json, steps: results });
    return;
  }
  if (json.out !== null) writeOut(ctx, json.out);
  else if (json.published !== null) writeOut(ctx, json.published.vault_path);
  if (json.published !== null) ctx.ui.info(`Published at ${json.published.vault_path}${json.published.changed === false ? ' (unchanged)' : ` (version ${json.published.kv_version ?? '?'})`}.`);
  ctx.ui.info(`The kubeconfig points at ${json.server}; that address must be in the API server certificate (RKE2 adds the node's IPs and every --tls-san).`);
  if (json.out !== null) ctx.ui.info(`Use it with: kubectl --kubeconfig ${json.out} get nodes`);
}
