/**
 * This node as Vault records it, shared by `rke2 server`, `rke2 agent` and the
 * day-2 commands: its name, its installed RKE2 version, its node entry.
 */
import type { NodeEntry, NodeRole } from '../core/vault-layout.js';
import type { Context } from './context.js';

/** The node name used in Vault: --node-name, else the lowercased host name. */
export function nodeNameFor(nodeName: string | undefined, host: string): string {
  return (nodeName ?? host).toLowerCase();
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
