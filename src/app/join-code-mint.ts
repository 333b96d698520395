/**
 * Minting join codes (operator side), shared by `rke2 join-code`, `rke2
 * cloud-init` and `apply`: per code one response-wrapped, single-use AppRole
 * secret ID whose secret-ID TTL equals the wrap TTL, so both die together.
 */
import { EdgectlError } from '../core/errors.js';
import { type JoinRole, appRoleName, encodeJoinCode } from '../core/join-code.js';
import type { Secret } from '../core/secret.js';
import type { Context } from './context.js';
import { describeVault, findCluster } from './rke2-vault.js';
import type { VaultSession } from './vault-session.js';

export interface MintOptions {
  clusterId: string;
  role: JoinRole;
  count: number;
  ttlSeconds: number;
  /** bind each secret ID (and the tokens it logs in to) to these CIDRs */
  cidrs: readonly string[];
  approleMount: string;
  /** the Vault address written into the codes (the one hosts reach), default the minting side's */
  hostVaultAddr?: string;
  /** refuse (exit 6) when the cluster is not registered; false for the first server of a cluster apply bootstraps */
  requireRegistered: boolean;
  /** which host a code is for, in its metadata (not secret) */
  label?: string;
}

export interface MintedCode {
  /** the code's text: a Secret (it unwraps a secret ID once) */
  text: Secret;
  accessor: string;
  expiresAt: string;
}

/** The role must exist (written by `vault setup`): its role ID, or exit 6 with the fix. */
export async function requireRole(session: VaultSession, mount: string, clusterId: string, role: JoinRole): Promise<string> {
  const roleId = await session.approle.readRoleId(mount, appRoleName(clusterId, role));
  if (roleId === undefined) {
    throw new EdgectlError('vaultState', `the AppRole role ${appRoleName(clusterId, role)} does not exist at auth/${mount} in ${describeVault(session)}`, {
      hint: `edgectl vault setup --cluster-id ${clusterId}`,
    });
  }
  return roleId;
}

export async function requireCluster(session: VaultSession, clusterId: string): Promise<void> {
  if ((await findCluster(session, clusterId)) === undefined) {
    throw new EdgectlError('vaultState', `cluster ${clusterId} is not registered in ${describeVault(session)}`, { hint: 'check the cluster ID and the Vault namespace/mount (edgectl cluster list)' });
  }
}

/** Who minted, for the secret ID's metadata (not secret): the token's display name and this host. */
async function mintedBy(ctx: Context, session: VaultSession): Promise<string> {
  const name = await session.client.lookupSelf().then((t) => t.displayName, () => '');
  return `${name === '' ? 'unknown' : name}@${ctx.host.hostname()}`;
}

/** Mint opts.count codes; `onMinted` runs for each before the next is minted (a failure there destroys that code's secret ID). */
export async function mintJoinCodes(ctx: Context, session: VaultSession, opts: MintOptions, onMinted?: (code: MintedCode) => Promise<void>): Promise<MintedCode[]> {
  if (opts.requireRegistered) await requireCluster(session, opts.clusterId);
  const roleId = await requireRole(session, opts.approleMount, opts.clusterId, opts.role);
  const caFile = session.config.tls.caCertFile;
  const caPem = caFile === undefined ? undefined : (await ctx.host.readSecretFile(caFile, { what: 'VAULT_CACERT', maxBytes: 1024 * 1024 })).text;
  const minter = await mintedBy(ctx, session);
  const role = appRoleName(opts.clusterId, opts.role);
  const out: MintedCode[] = [];
  for (let n = 0; n < opts.count; n += 1) {
    const now = ctx.clock.now();
    const minted = await session.approle.mintWrappedSecretId(opts.approleMount, role, {
      ttlSeconds: opts.ttlSeconds,
      cidrs: opts.cidrs,
      metadata: { cluster: opts.clusterId, role: opts.role, minted_at: now.toISOString(), minted_by: minter, ...(opts.label === undefined ? {} : { for: opts.label }) },
    });
    const expiresAt = new Date(now.getTime() + opts.ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const text = encodeJoinCode({
      version: 1,
      vaultAddr: (opts.hostVaultAddr ?? session.config.address).replace(/\/+$/, ''),
      namespace: session.config.namespace ?? '',
      kvMount: session.config.mount,
      approleMount: opts.approleMount,
      clusterId: opts.clusterId,
      role: opts.role,
      roleId,
      wrapToken: minted.wrapToken,
      expiresAt,
      ...(caPem === undefined ? {} : { caPem }),
    });
    const code = { text, accessor: minted.accessor, expiresAt };
    if (onMinted !== undefined) {
      try {
        await onMinted(code);
      } catch (err) {
        // a code nobody can hold must not stay valid
        await session.approle.destroySecretIdAccessor(opts.approleMount, role, minted.accessor).catch(() => undefined);
        throw err;
      }
    }
    out.push(code);
  }
  return out;
}
