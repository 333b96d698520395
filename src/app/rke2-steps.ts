/**
 * Steps shared by `rke2 server`, `rke2 agent` and the day-2 commands: persist
 * the cluster ID, run the embedded rke2.sh, record this node in Vault.
 */
import type { Secret } from '../core/secret.js';
import { HOST_PATHS } from '../core/host-paths.js';
import { type InstallOptions, installOptionArgs } from '../core/install-options.js';
import type { NodeEntry, NodeRole } from '../core/vault-layout.js';
import type { Context } from './context.js';
import type { Step } from './plan.js';
import { checkConfigFile, scriptPreflight } from './rke2-preflight.js';
import { nodeApiPath } from './rke2-vault.js';
import type { VaultSession } from './vault-session.js';

/** The node name used in Vault: --node-name, else the lowercased host name. */
export function nodeNameFor(nodeName: string | undefined, host: string): string {
  return (nodeName ?? host).toLowerCase();
}

/** Write /etc/edgectl/cluster-id atomically (one line, 0644); nothing to do when it already holds the ID. */
export function persistClusterIdStep(ctx: Context, clusterId: string, localId: string | undefined): Step {
  const same = localId === clusterId;
  return {
    id: 'cluster-id',
    title: same ? `Keep cluster ID ${clusterId} (already in ${HOST_PATHS.clusterIdFile})` : `Persist cluster ID ${clusterId}`,
    run: async (gate) => {
      if (same) gate.note('nothing to change');
      else await gate.change(`write ${HOST_PATHS.clusterIdFile} (0644): ${clusterId}`, () => ctx.host.writeFileAtomic(HOST_PATHS.clusterIdFile, `${clusterId}\n`, 0o644));
    },
  };
}

/**
 * Arguments of `rke2.sh server|agent`; a token goes to stdin (--token-file -),
 * never into argv. A token without a server is a bootstrap server's own token
 * (configured as token-file after a rotation).
 */
export function scriptArgsFor(role: 'server' | 'agent', install: InstallOptions, join: { server?: string } | undefined): string[] {
  const args: string[] = [role, ...installOptionArgs(install)];
  if (join?.server !== undefined) args.push('--server', join.server);
  if (join !== undefined) args.push('--token-file', '-');
  return args;
}

/** Install/configure/start RKE2 through the embedded script. */
export function installStep(ctx: Context, role: 'server' | 'agent', install: InstallOptions, join: { server?: string; token: Secret } | undefined): Step {
  const args = scriptArgsFor(role, install, join);
  let configLine: string | undefined;
  return {
    id: 'install',
    title: `Install and start RKE2 ${role}`,
    ownProgress: true,
    preflight: async () => {
      configLine = await checkConfigFile(ctx, install);
      await scriptPreflight(ctx, role, args, join?.token);
    },
    run: async (gate) => {
      await gate.change(`run the embedded rke2.sh ${args.join(' ')}${join !== undefined ? '   (token on stdin)' : ''}`, () =>
        ctx.host.runScript(ctx, {
          script: 'rke2.sh',
          args,
          title: `rke2.sh ${role}`,
          ...(join !== undefined ? { stdinSecret: join.token } : {}),
        }),
      );
      if (configLine !== undefined) gate.note(configLine);
    },
  };
}

/** The installed RKE2 version, from `rke2.sh status --json`, or undefined. */
export async function rke2VersionOnHost(ctx: Context): Promise<string | undefined> {
  // one status run per state of the host: plans ask for the version several times after an install
  const cached = ctx.host.state.cachedVersion();
  if (cached !== undefined) return cached.version;
  const version = await readRke2Version(ctx);
  ctx.host.state.cacheVersion(version);
  return version;
}

async function readRke2Version(ctx: Context): Promise<string | undefined> {
  try {
    const r = await ctx.host.runScript(ctx, { script: 'rke2.sh', args: ['status', '--json'], title: 'rke2.sh status' });
    const status = JSON.parse(r.stdout) as { version?: unknown };
    return typeof status.version === 'string' ? status.version : undefined;
  } catch {
    return undefined;
  }
}

/** This node's entry for Vault; tokenGeneration is the cluster token generation it was given. */
export async function nodeEntry(ctx: Context, role: NodeRole, host: string, ip: string, tokenGeneration?: number): Promise<NodeEntry> {
  return {
    role,
    hostname: host,
    ip,
    rke2_version: (await rke2VersionOnHost(ctx)) ?? 'unknown',
    joined_at: ctx.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...(tokenGeneration === undefined ? {} : { token_generation: tokenGeneration }),
  };
}

/** Record this node under the cluster in Vault (one entry per node). */
export function recordNodeStep(ctx: Context, store: VaultSession, clusterId: string, nodeName: string, entry: () => Promise<NodeEntry>): Step {
  return {
    id: 'vault-node',
    title: `Record node ${nodeName} in Vault`,
    run: async (gate) => {
      await gate.change(`write ${nodeApiPath(store, clusterId, nodeName)}: role, hostname, ip, rke2_version, joined_at`, async () => store.registry.recordNode(clusterId, nodeName, await entry()));
      await gate.change(`write ${HOST_PATHS.nodeNameFile} (0644): ${nodeName}, so that uninstall finds the entry after RKE2's config is gone`, () =>
        ctx.host.writeFileAtomic(HOST_PATHS.nodeNameFile, `${nodeName}\n`, 0o644),
      );
    },
  };
}
