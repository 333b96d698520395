/**
 * `edgectl rke2 join-code`: mint single-use join codes for a cluster's hosts
 * (response-wrapped AppRole secret IDs), list the outstanding ones, revoke
 * them. Codes go to new 0600 files or stdout, never to argv, logs or JSON.
 */
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import { EdgectlError, usageError } from '../core/errors.js';
import { type JoinRole, JOIN_ROLES, appRoleName, encodeJoinCode } from '../core/join-code.js';
import { DEFAULT_JOIN_CODE_TTL, MAX_JOIN_CODE_COUNT, accessorProblem, cidrProblem, joinCodeTtl } from '../core/join-code-options.js';
import type { SecretIdInfo } from '../core/ports.js';
import { mapBounded } from '../core/concurrency.js';
import { renderTable } from '../core/table.js';
import { DEFAULT_APPROLE_MOUNT } from '../core/vault-config.js';
import { mountProblem } from '../core/vault-layout.js';
import { type Context, writeJson, writeOut } from './context.js';
import { confirmByTyping } from './prompt.js';
import { describeVault, findCluster } from './rke2-vault.js';
import { type VaultSession, openVault } from './vault-session.js';

export interface JoinCodeInput {
  clusterId: string;
  role: JoinRole;
  ttl: string | undefined;
  count: number | undefined;
  bindCidrs: string[];
  /** a directory, or "-" for stdout; default the current directory */
  out: string | undefined;
  /** the Vault address written into the codes (the one hosts reach), default the minting side's */
  hostVaultAddr: string | undefined;
  output: OutputFormat;
  vault: VaultFlags;
}

export interface JoinCodeListInput {
  clusterId: string;
  role: JoinRole | undefined;
  output: OutputFormat;
  vault: VaultFlags;
}

export interface JoinCodeRevokeInput {
  clusterId: string;
  accessors: string[];
  all: boolean;
  yes: boolean;
  dryRun: boolean;
  output: OutputFormat;
  vault: VaultFlags;
}

/** The AppRole auth mount: the run's AppRole login mount, else EDGECTL_VAULT_APPROLE_MOUNT, else approle. */
export function approleMountFor(ctx: Context, session?: VaultSession): string {
  if (session?.config.auth.method === 'approle') return session.config.auth.mount;
  const v = ctx.env.EDGECTL_VAULT_APPROLE_MOUNT;
  const mount = v !== undefined && v !== '' ? v.replace(/^\/+|\/+$/g, '') : DEFAULT_APPROLE_MOUNT;
  if (mountProblem(mount) !== undefined) throw usageError(`EDGECTL_VAULT_APPROLE_MOUNT: invalid auth mount ${JSON.stringify(mount.slice(0, 80))}`);
  return mount;
}

/** The cluster must be registered and the role written by `vault setup`: its role ID, or exit 6 with the fix. */
async function requireRole(session: VaultSession, mount: string, clusterId: string, role: JoinRole): Promise<string> {
  const roleId = await session.approle.readRoleId(mount, appRoleName(clusterId, role));
  if (roleId === undefined) {
    throw new EdgectlError('vaultState', `the AppRole role ${appRoleName(clusterId, role)} does not exist at auth/${mount} in ${describeVault(session)}`, {
      hint: `edgectl vault setup --cluster-id ${clusterId}`,
    });
  }
  return roleId;
}

async function requireCluster(session: VaultSession, clusterId: string): Promise<void> {
  if ((await findCluster(session, clusterId)) === undefined) {
    throw new EdgectlError('vaultState', `cluster ${clusterId} is not registered in ${describeVault(session)}`, { hint: 'check the cluster ID and the Vault namespace/mount (edgectl cluster list)' });
  }
}

function mintProblems(input: JoinCodeInput): { problems: string[]; ttlSeconds: number; count: number } {
  const problems: string[] = [];
  const ttl = joinCodeTtl(input.ttl ?? DEFAULT_JOIN_CODE_TTL);
  if ('problem' in ttl) problems.push(ttl.problem);
  const count = input.count ?? 1;
  if (!Number.isInteger(count) || count < 1 || count > MAX_JOIN_CODE_COUNT) problems.push(`--count: must be 1 to ${MAX_JOIN_CODE_COUNT}`);
  for (const c of input.bindCidrs) {
    const p = cidrProblem(c);
    if (p !== undefined) problems.push(p);
  }
  if (input.out === '') problems.push('--out: empty path');
  if (input.out === '-' && input.output === 'json') problems.push('--out - prints the codes themselves: it cannot be combined with -o json (which never holds a code)');
  if (input.hostVaultAddr !== undefined) {
    const parsed = URL.canParse(input.hostVaultAddr) ? new URL(input.hostVaultAddr) : undefined;
    if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') || parsed.username !== '' || parsed.password !== '' || parsed.search !== '' || parsed.hash !== '') {
      problems.push('--host-vault-addr: expected an http(s) URL without credentials, query or fragment, e.g. https://vault.example:8200');
    }
  }
  return { problems, ttlSeconds: 'seconds' in ttl ? ttl.seconds : 0, count };
}

/** Run `rke2 join-code`: mint --count codes. */
export async function runJoinCode(ctx: Context, input: JoinCodeInput): Promise<void> {
  const { problems, ttlSeconds, count } = mintProblems(input);
  if (problems.length > 0) throw usageError(problems.join('\n  '), 'see edgectl rke2 join-code --help');
  const session = await openVault(ctx, input.vault);
  try {
    const mount = approleMountFor(ctx, session);
    await requireCluster(session, input.clusterId);
    const roleId = await requireRole(session, mount, input.clusterId, input.role);
    const caFile = session.config.tls.caCertFile;
    const caPem = caFile === undefined ? undefined : (await ctx.host.readSecretFile(caFile, { what: 'VAULT_CACERT', maxBytes: 1024 * 1024 })).text;
    const minter = await mintedBy(ctx, session);
    const role = appRoleName(input.clusterId, input.role);
    const codes: Array<{ file: string | null; accessor: string; expires_at: string }> = [];
    const lines: string[] = [];
    for (let n = 0; n < count; n += 1) {
      const now = ctx.clock.now();
      const minted = await session.approle.mintWrappedSecretId(mount, role, {
        ttlSeconds,
        cidrs: input.bindCidrs,
        metadata: { cluster: input.clusterId, role: input.role, minted_at: now.toISOString(), minted_by: minter },
      });
      const expiresAt = new Date(now.getTime() + ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const text = encodeJoinCode({
        version: 1,
        vaultAddr: (input.hostVaultAddr ?? session.config.address).replace(/\/+$/, ''),
        namespace: session.config.namespace ?? '',
        kvMount: session.config.mount,
        approleMount: mount,
        clusterId: input.clusterId,
        role: input.role,
        roleId,
        wrapToken: minted.wrapToken,
        expiresAt,
        ...(caPem === undefined ? {} : { caPem }),
      });
      if (input.out === '-') {
        // the one place a code is printed: stdout, one per line, nothing else on it
        lines.push(text.reveal());
        codes.push({ file: null, accessor: minted.accessor, expires_at: expiresAt });
        continue;
      }
      const file = `${(input.out ?? '.').replace(/\/+$/, '') || '/'}/${input.clusterId}-${input.role}-${minted.accessor.slice(0, 8)}.joincode`;
      try {
        await ctx.host.createSecretFile(file, text, 0o600);
      } catch (err) {
        // a code nobody can hold must not stay valid
        await session.approle.destroySecretIdAccessor(mount, role, minted.accessor).catch(() => undefined);
        throw err;
      }
      codes.push({ file, accessor: minted.accessor, expires_at: expiresAt });
    }
    if (input.out === '-') {
      ctx.stdout.write(`${lines.join('\n')}\n`);
      ctx.ui.info(`${count} join code(s) for ${input.role}s of ${input.clusterId}, valid until ${codes[0]?.expires_at ?? ''}, single use.`);
      return;
    }
    if (input.output === 'json') {
      writeJson(ctx, { cluster_id: input.clusterId, role: input.role, ttl_seconds: ttlSeconds, bound_cidrs: input.bindCidrs, codes });
      return;
    }
    for (const c of codes) writeOut(ctx, c.file ?? '');
    ctx.ui.info(`${count} join code(s) for ${input.role}s of ${input.clusterId} (mode 0600), valid until ${codes[0]?.expires_at ?? ''}, single use. On each host: sudo edgectl rke2 ${input.role} --join-code-file FILE`);
  } finally {
    await session.close();
  }
}

/** Who minted, for the secret ID's metadata (not secret): the token's display name and this host. */
async function mintedBy(ctx: Context, session: VaultSession): Promise<string> {
  const name = await session.client.lookupSelf().then((t) => t.displayName, () => '');
  return `${name === '' ? 'unknown' : name}@${ctx.host.hostname()}`;
}

interface ListedCode {
  accessor: string;
  role: JoinRole;
  created_at: string;
  expires_at: string;
  cidr_list: string[];
  token_bound_cidrs: string[];
  minted_by: string;
}

async function outstanding(session: VaultSession, mount: string, clusterId: string, roles: readonly JoinRole[]): Promise<ListedCode[]> {
  const out: ListedCode[] = [];
  for (const role of roles) {
    const name = appRoleName(clusterId, role);
    const accessors = await session.approle.listSecretIdAccessors(mount, name);
    const infos = await mapBounded(accessors, 16, (a) => session.approle.lookupSecretIdAccessor(mount, name, a));
    for (const info of infos.filter((i): i is SecretIdInfo => i !== undefined)) {
      out.push({
        accessor: info.accessor,
        role,
        created_at: info.creationTime,
        expires_at: info.expirationTime,
        cidr_list: info.cidrList,
        token_bound_cidrs: info.tokenBoundCidrs,
        minted_by: info.metadata.minted_by ?? '',
      });
    }
  }
  return out.sort((a, b) => a.created_at.localeCompare(b.created_at));
}

/** The roles of a cluster that exist (at least one, else exit 6 with the setup hint). */
async function existingRoles(session: VaultSession, mount: string, clusterId: string, only: JoinRole | undefined): Promise<JoinRole[]> {
  if (only !== undefined) {
    await requireRole(session, mount, clusterId, only);
    return [only];
  }
  const found: JoinRole[] = [];
  for (const role of JOIN_ROLES) if ((await session.approle.readRoleId(mount, appRoleName(clusterId, role))) !== undefined) found.push(role);
  if (found.length === 0) await requireRole(session, mount, clusterId, 'agent');
  return found;
}

/** Run `rke2 join-code list`: outstanding (unused, unexpired) codes; never a secret. */
export async function runJoinCodeList(ctx: Context, input: JoinCodeListInput): Promise<void> {
  const session = await openVault(ctx, input.vault);
  try {
    const mount = approleMountFor(ctx, session);
    const roles = await existingRoles(session, mount, input.clusterId, input.role);
    const codes = await outstanding(session, mount, input.clusterId, roles);
    if (input.output === 'json') {
      writeJson(ctx, { cluster_id: input.clusterId, codes });
      return;
    }
    if (codes.length === 0) {
      ctx.ui.info(`no outstanding join codes for ${input.clusterId}`);
      return;
    }
    writeOut(ctx, renderTable(['ACCESSOR', 'ROLE', 'CREATED', 'EXPIRES', 'BOUND CIDRS', 'MINTED BY'], codes.map((c) => [c.accessor, c.role, c.created_at, c.expires_at, c.cidr_list.join(',') || '-', c.minted_by || '-'])));
  } finally {
    await session.close();
  }
}

/** Run `rke2 join-code revoke`: destroy unused codes by accessor (or all of the cluster's). */
export async function runJoinCodeRevoke(ctx: Context, input: JoinCodeRevokeInput): Promise<void> {
  const problems = input.accessors.map(accessorProblem).filter((p): p is string => p !== undefined);
  if (input.all === (input.accessors.length > 0)) problems.push('give --accessor ACCESSOR (repeatable) or --all, not both');
  if (!input.yes && !input.dryRun && !ctx.stdinIsTTY) problems.push('revoke needs --yes when stdin is not a terminal');
  if (problems.length > 0) throw usageError(problems.join('\n  '), 'see edgectl rke2 join-code revoke --help');
  const session = await openVault(ctx, input.vault);
  try {
    const mount = approleMountFor(ctx, session);
    const roles = await existingRoles(session, mount, input.clusterId, undefined);
    const codes = await outstanding(session, mount, input.clusterId, roles);
    const targets = input.all ? codes : codes.filter((c) => input.accessors.includes(c.accessor));
    const unknown = input.accessors.filter((a) => !codes.some((c) => c.accessor === a));
    if (unknown.length > 0) {
      throw new EdgectlError('vaultState', `no outstanding join code of ${input.clusterId} has accessor ${unknown.join(', ')} (already used, expired, revoked, or of another cluster)`, {
        hint: `edgectl rke2 join-code list --cluster-id ${input.clusterId}`,
      });
    }
    const plan = targets.map((c) => `POST auth/${mount}/role/${appRoleName(input.clusterId, c.role)}/secret-id-accessor/destroy (accessor ${c.accessor})`);
    if (input.dryRun) {
      if (input.output === 'json') writeJson(ctx, { cluster_id: input.clusterId, dry_run: true, revoked: targets.map((c) => ({ accessor: c.accessor, role: c.role })) });
      else writeOut(ctx, plan.length === 0 ? 'nothing to revoke' : plan.join('\n'));
      return;
    }
    if (!input.yes && targets.length > 0) {
      const ok = await confirmByTyping(ctx, `Revoke ${targets.length} join code(s) of ${input.clusterId}. Hosts holding them can no longer join.`, input.clusterId);
      if (!ok) throw new EdgectlError('failed', `nothing was changed: the confirmation did not match ${input.clusterId}`);
    }
    for (const c of targets) await session.approle.destroySecretIdAccessor(mount, appRoleName(input.clusterId, c.role), c.accessor);
    if (input.output === 'json') writeJson(ctx, { cluster_id: input.clusterId, dry_run: false, revoked: targets.map((c) => ({ accessor: c.accessor, role: c.role })) });
    else ctx.ui.info(`revoked ${targets.length} join code(s) of ${input.clusterId}`);
  } finally {
    await session.close();
  }
}
