/**
 * `edgectl rke2 server` / `rke2 add-master`: bootstrap a new cluster (token
 * published to Vault), join an existing one as another server (token from
 * Vault, or from --token-file/--token-stdin without Vault), or bootstrap with
 * no Vault at all. The order of steps is chosen so that a crash at any point
 * leaves a state the same command completes on re-run.
 */
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import type { InstallOptions } from '../core/install-options.js';
import { generateClusterId } from '../core/cluster-id.js';
import { EdgectlError, usageError } from '../core/errors.js';
import { HOST_PATHS } from '../core/host-paths.js';
import { type RegistrationChoice, chooseRegistrationAddress, describeRegistration } from '../core/registration-address.js';
import { installOptionProblems } from '../core/install-options.js';
import type { Secret } from '../core/secret.js';
import { customMetadataProblems } from '../core/vault-layout.js';
import { assertJoinableCluster, advertiseAddressProblem } from '../core/validate-node.js';
import { tagCountProblem } from '../core/validate-tags.js';
import { type Context, writeJson, writeOut } from './context.js';
import { type Step, runPlan } from './plan.js';
import { type ClusterRecord, tokenGenerationOf } from '../core/cluster-records.js';
import { decideServer, needsRecord } from './server-decision.js';
import { compareWithVault, refuseUnusableServerToken, vaultFlagsText } from './rke2-node.js';
import { settleJoinVersion } from './rke2-join-version.js';
import { registrationToWrite } from './rke2-server-url.js';
import { nodeEntry, nodeNameFor, rke2VersionOnHost } from './rke2-node-entry.js';
import { installRke2Step } from './phases/install-rke2.js';
import { persistClusterIdStep } from './phases/persist-cluster-id.js';
import { publishTokenStep } from './phases/publish-token.js';
import { recordLowestServerVersionStep } from './phases/record-lowest-server-version.js';
import { recordNodeStep } from './phases/record-node.js';
import { registerClusterStep } from './phases/register-cluster.js';
import { removeJoinCodeStep } from './phases/remove-join-code.js';
import { clusterApiPath, describeVault, findCluster, verifyVaultAccess } from './rke2-vault.js';
import { type TokenSource, readTokenSource } from './token-input.js';
import { type VaultSession, openVaultIfConfigured } from './vault-session.js';
import { joinCodeConflicts, startCodeJoin } from './join-code-join.js';

export interface ServerInput {
  /** "server" or "add-master" (the same action under its own name) */
  mode: 'server' | 'add-master';
  clusterId: string | undefined;
  token: TokenSource | undefined;
  server: string | undefined;
  advertiseAddress: string | undefined;
  tags: Array<[string, string]>;
  /** join despite a version skew breach */
  force: boolean;
  /** allow a re-run to change a ready cluster's registration URL (--advertise-address) */
  updateServerUrl: boolean;
  noVault: boolean;
  dryRun: boolean;
  output: OutputFormat;
  vault: VaultFlags;
  install: InstallOptions;
  /** --join-code-file FILE or "-": join an existing cluster as another server with a single-use code */
  joinCodeFile?: string;
}


type ServerMode = 'bootstrap' | 'join' | 'bootstrap-local';

/** Run `rke2 server` or `rke2 add-master`. */
export async function runServer(ctx: Context, input: ServerInput): Promise<void> {
  validateServerInput(input);
  if (input.joinCodeFile !== undefined) {
    const problems = joinCodeConflicts(ctx, input.vault, input.noVault);
    if (input.token !== undefined || input.clusterId !== undefined || input.server !== undefined) problems.push('--join-code-file carries the cluster: do not also give --cluster-id, --server or a join token');
    if (input.tags.length > 0) problems.push('--tag is not taken with --join-code-file (tag the cluster with edgectl cluster commands or at bootstrap with a Vault credential)');
    if (problems.length > 0) throw usageError(problems.join('\n  '), `see edgectl rke2 ${input.mode} --help`);
  }
  const started = await startCodeJoin(ctx, input, 'server', `edgectl rke2 ${input.mode}`);
  if (started === undefined) return;
  input = started.input;
  const joinCode = started.joinCode;

  const host = ctx.host.hostname().toLowerCase();
  const localId = await ctx.host.readLocalClusterId();
  if (localId !== undefined && input.clusterId !== undefined && localId !== input.clusterId) {
    throw new EdgectlError('precondition', `this host already belongs to cluster ${localId} (${HOST_PATHS.clusterIdFile}), not ${input.clusterId}`, {
      hint: 'run edgectl rke2 uninstall first to move this host to another cluster',
    });
  }
  const registration = chooseRegistrationAddress(input.advertiseAddress, input.install.tlsSan, ctx.host.primaryAddress());
  const address = registration?.address;
  if (registration === undefined || address === undefined) {
    throw new EdgectlError('precondition', 'cannot determine this host\'s address for the registration URL', { hint: 'pass --advertise-address ADDR' });
  }
  const addressProblem = advertiseAddressProblem(address, input.advertiseAddress !== undefined ? '--advertise-address' : input.install.tlsSan[0] !== undefined ? 'the first --tls-san (the registration address)' : 'the primary address');
  if (addressProblem !== undefined) throw usageError(addressProblem, 'pass --advertise-address HOST-OR-IP (no port: agents use 9345)');
  const install = { ...input.install };
  const san = input.advertiseAddress?.replace(/^\[(.*)\]$/, '$1');
  if (san !== undefined && !install.tlsSan.includes(san)) {
    install.tlsSan = [...install.tlsSan, san];
  }
  const nodeName = nodeNameFor(install.nodeName, host);

  // --token (with --server): join without Vault, as in the original design
  if (input.token !== undefined) {
    const token = await readTokenSource(ctx, input.token);
    const server = input.server as string; // validated: a token needs --server
    const steps: Step[] = [];
    if (input.clusterId !== undefined) steps.push(persistClusterIdStep(ctx, input.clusterId, localId));
    steps.push(installRke2Step(ctx, 'server', install, { server, token }));
    await finish(ctx, input, { mode: 'join', clusterId: input.clusterId ?? localId, server, store: undefined, steps });
    return;
  }

  const store = joinCode !== undefined ? joinCode.store : input.noVault ? undefined : await openVaultIfConfigured(ctx, input.vault);
  try {
    await serverWithVault(ctx, input, { store, localId, host, address, nodeName, install, registration, joinCodeAccessor: joinCode?.accessor });
  } finally {
    await store?.close();
  }
}

interface HostFacts {
  store: VaultSession | undefined;
  localId: string | undefined;
  host: string;
  address: string;
  nodeName: string;
  install: ServerInput['install'];
  /** the address this server would register, and why */
  registration: RegistrationChoice;
  /** the secret ID accessor of the join code this server joins with */
  joinCodeAccessor?: string | undefined;
}

async function serverWithVault(ctx: Context, input: ServerInput, facts: HostFacts): Promise<void> {
  const { store, localId, host, address, nodeName, install, registration } = facts;
  const base = { mode: input.mode, tokenGiven: false, vault: store !== undefined, clusterIdFlag: input.clusterId, serverFlag: input.server, localId, host };
  // Vault is configured: it must answer before anything on the host changes
  if (store !== undefined) await verifyVaultAccess(store);
  const wantedId = input.clusterId ?? localId;
  const record = store !== undefined && needsRecord(base) && wantedId !== undefined ? await findCluster(store, wantedId) : undefined;
  const decision = decideServer({
    ...base,
    record: record === undefined ? undefined : { id: record.id, state: record.state, hostname: record.metadata.hostname, hasToken: !record.token.isEmpty(), server: record.server },
    ...(store === undefined ? {} : { vaultWhere: describeVault(store) }),
  });

  // a server code joins a ready cluster, or bootstraps the cluster it names when that cluster is not
  // registered yet (edgectl apply mints it for the first server after writing the cluster's roles)
  if (input.joinCodeFile !== undefined && decision.kind !== 'join' && decision.kind !== 'refuse' && decision.kind !== 'bootstrap') {
    throw new EdgectlError('vaultState', `a join code cannot ${decision.kind === 'bootstrap-local' ? 'bootstrap without Vault' : 'join with a token'}; cluster ${wantedId ?? ''} in ${store === undefined ? 'Vault' : describeVault(store)}`, {
      hint: 'use the code without --token or --no-vault',
    });
  }
  switch (decision.kind) {
    case 'refuse':
      throw new EdgectlError(decision.error, decision.message, { hint: decision.hint });
    case 'join-with-token':
      throw new EdgectlError('internal', 'a given join token is handled before Vault is opened');
    case 'bootstrap-local': {
      if (!input.noVault) ctx.ui.info('No Vault address configured (VAULT_ADDR or --vault-addr): the join token stays only on this host.');
      const clusterId = decision.clusterId ?? generateClusterId();
      const steps = [persistClusterIdStep(ctx, clusterId, localId), installRke2Step(ctx, 'server', install, undefined)];
      ctx.ui.info(describeRegistration(registration));
      await finish(ctx, input, { mode: 'bootstrap-local', clusterId, server: registration.url, store: undefined, steps });
      return;
    }
    case 'join': {
      if (store === undefined || record === undefined) throw new EdgectlError('internal', 'a join needs the cluster from Vault');
      // an existing cluster: join it as another server
      const server = input.server ?? record.server;
      assertJoinableCluster(record.id, { server: input.server === undefined ? record.server : undefined, token: record.token });
      // a re-run on a server of the cluster must not put back an older token over one it rotated itself
      const local = await ctx.host.readTokenFile(HOST_PATHS.serverTokenFile);
      if (local !== undefined && localId === record.id) refuseUnusableServerToken((await compareWithVault(store, record, local)).standing, record.id, input.vault);
      const joinInstall = await settleJoinVersion(ctx, store, record, { role: 'server', nodeName, install, force: input.force });
      const steps = [
        persistClusterIdStep(ctx, record.id, localId),
        installRke2Step(ctx, 'server', joinInstall, { server, token: record.token }),
        recordNodeStep(ctx, store, record.id, nodeName, async () => ({
          ...(await nodeEntry(ctx, 'server', host, address, tokenGenerationOf(record))),
          ...(facts.joinCodeAccessor === undefined ? {} : { join_code_accessor: facts.joinCodeAccessor }),
        })),
        recordLowestServerVersionStep(ctx, store, record.id, () => rke2VersionOnHost(ctx)),
        ...(input.joinCodeFile === undefined ? [] : [removeJoinCodeStep(ctx, input.joinCodeFile)]),
      ];
      await finish(ctx, input, { mode: 'join', clusterId: record.id, server, store, steps });
      return;
    }
    case 'bootstrap': {
      if (store === undefined) throw new EdgectlError('internal', 'a bootstrap with Vault needs Vault');
      const server = registrationToWrite(ctx, record, registration, input.updateServerUrl).url;
      await bootstrapWithVault(ctx, input, store, {
        record,
        clusterId: decision.clusterId ?? generateClusterId(),
        localId,
        host,
        address,
        server,
        nodeName,
        install,
        ownToken: await ownTokenAfterRotation(ctx, store, record, input),
        joinCodeAccessor: facts.joinCodeAccessor,
      });
      return;
    }
  }
}

/**
 * On a re-run on the bootstrap server of a ready cluster: the token to configure
 * as its token-file. Once the token was rotated (here or elsewhere) the server
 * must start with the cluster's current token, so it is passed whenever a
 * rotation or sync put a token file in place, or this server still holds an
 * older token. A token rotated here that never reached Vault is never replaced.
 */
async function ownTokenAfterRotation(ctx: Context, store: VaultSession, record: ClusterRecord | undefined, input: ServerInput): Promise<Secret | undefined> {
  if (record === undefined || record.state !== 'ready' || record.token.isEmpty()) return undefined;
  const local = await ctx.host.readTokenFile(HOST_PATHS.serverTokenFile);
  if (local !== undefined) {
    const { standing } = await compareWithVault(store, record, local);
    refuseUnusableServerToken(standing, record.id, input.vault);
    if (standing === 'older') return record.token;
  }
  return (await ctx.host.readTokenFile(HOST_PATHS.joinTokenFile)) !== undefined ? record.token : undefined;
}

interface BootstrapFacts {
  record: ClusterRecord | undefined;
  /** the cluster's current token, to configure as this server's token-file (after a rotation) */
  ownToken: Secret | undefined;
  clusterId: string;
  localId: string | undefined;
  host: string;
  address: string;
  /** the registration URL to write */
  server: string;
  nodeName: string;
  install: ServerInput['install'];
  /** the secret ID accessor of the server code this first server bootstraps with */
  joinCodeAccessor?: string | undefined;
}

async function bootstrapWithVault(ctx: Context, input: ServerInput, store: VaultSession, f: BootstrapFacts): Promise<void> {
  const server = f.server;
  const registration = { clusterId: f.clusterId, server, host: f.host, address: f.address };
  const steps: Step[] = [
    persistClusterIdStep(ctx, f.clusterId, f.localId),
    ...(f.record === undefined ? [registerClusterStep(ctx, store, { ...registration, rke2Version: f.install.version ?? 'pending', tags: input.tags, wroteIdFile: f.localId === undefined })] : []),
    installRke2Step(ctx, 'server', f.install, f.ownToken === undefined ? undefined : { token: f.ownToken }),
    publishTokenStep(ctx, store, { ...registration, tags: input.tags }),
    recordNodeStep(ctx, store, f.clusterId, f.nodeName, async () => ({
      ...(await nodeEntry(ctx, 'server', f.host, f.address, f.record === undefined ? 0 : tokenGenerationOf(f.record))),
      ...(f.joinCodeAccessor === undefined ? {} : { join_code_accessor: f.joinCodeAccessor }),
    })),
    ...(input.joinCodeFile === undefined ? [] : [removeJoinCodeStep(ctx, input.joinCodeFile)]),
  ];
  await finish(ctx, input, { mode: 'bootstrap', clusterId: f.clusterId, server, store, steps });
}

interface Outcome {
  mode: ServerMode;
  clusterId: string | undefined;
  server: string;
  store: VaultSession | undefined;
  steps: Step[];
}

async function finish(ctx: Context, input: ServerInput, o: Outcome): Promise<void> {
  const vaultPath = o.store !== undefined && o.clusterId !== undefined ? clusterApiPath(o.store, o.clusterId) : null;
  // a new cluster's ID is random: the one in a dry-run plan is not the one a real run will pick
  const generated = input.dryRun && o.mode !== 'join' && input.clusterId === undefined && (await ctx.host.readLocalClusterId()) === undefined;
  const results = await runPlan(ctx, {
    dryRun: input.dryRun,
    output: input.output,
    header: `Plan for edgectl rke2 ${input.mode} (${o.mode}${o.clusterId ? `, cluster ${o.clusterId}` : ''}):`,
    json: { cluster_id: o.clusterId ?? null, cluster_id_generated: generated, role: 'server', mode: o.mode, server_url: o.server, vault_path: vaultPath },
    steps: o.steps,
    notes: generated ? [`note: ${o.clusterId ?? 'the cluster ID'} is an example: the real run generates a new random cluster ID; pass --cluster-id ${o.clusterId ?? 'ID'} to use this one`] : [],
  });
  if (results === undefined) return;
  const rke2Version = (await rke2VersionOnHost(ctx)) ?? null;
  if (input.output === 'json') {
    writeJson(ctx, { cluster_id: o.clusterId ?? null, role: 'server', mode: o.mode, server_url: o.server, vault_path: vaultPath, rke2_version: rke2Version, steps: results });
    return;
  }
  if (o.clusterId !== undefined) writeOut(ctx, o.clusterId);
  const flags = vaultFlagsText(input.vault);
  if (o.mode === 'bootstrap') {
    ctx.ui.info(`Cluster ${o.clusterId} is ready; its join token is in Vault at ${vaultPath}.`);
    ctx.ui.info(`Join agents with:\n  sudo -E edgectl rke2 agent --cluster-id ${o.clusterId}${flags}`);
    ctx.ui.info(`Add servers with:\n  sudo -E edgectl rke2 server --cluster-id ${o.clusterId}${flags}`);
  } else if (o.mode === 'bootstrap-local') {
    ctx.ui.info(`Cluster ${o.clusterId} is ready. The join token was NOT stored in Vault; it is only on this host at ${HOST_PATHS.serverTokenFile}.`);
    ctx.ui.info(`To join a node by hand: copy that file to the node as a root-owned 0600 file (e.g. /root/rke2-token), then run there:\n  sudo edgectl rke2 agent --server ${o.server} --token-file /root/rke2-token`);
  } else {
    ctx.ui.info(`This host joined ${o.clusterId ? `cluster ${o.clusterId}` : 'the cluster'} as a server via ${o.server}.`);
  }
}

function validateServerInput(input: ServerInput): void {
  const problems = installOptionProblems(input.install);
  if (input.token !== undefined && input.server === undefined) problems.push('a join token (--token, --token-file, --token-stdin) needs --server URL of an existing server');
  if (input.server !== undefined && input.token === undefined && input.clusterId === undefined) {
    problems.push('--server needs --cluster-id ID (token from Vault) or a join token (--token-file/--token-stdin)');
  }
  if (input.mode === 'add-master' && input.clusterId === undefined && input.token === undefined && input.joinCodeFile === undefined) problems.push('add-master needs --cluster-id ID (or --server with a join token)');
  if (input.tags.length > 0 && input.token !== undefined) problems.push('--tag applies only when bootstrapping a new cluster');
  for (const p of [tagCountProblem(input.tags), input.advertiseAddress === undefined ? undefined : advertiseAddressProblem(input.advertiseAddress)]) if (p !== undefined) problems.push(p);
  problems.push(...customMetadataProblems(Object.fromEntries(input.tags.map(([k, v]) => [`tag.${k}`, v]))));
  if (problems.length > 0) throw usageError(problems.join('\n  '), 'see edgectl rke2 server --help');
}
