/**
 * `edgectl rke2 join-code`: mint single-use join codes for a cluster's hosts
 * (response-wrapped AppRole secret IDs), list the outstanding ones, revoke
 * them. Codes go to new 0600 files or stdout, never to argv, logs or JSON.
 */
import type { OutputFormat, VaultFlags } from '../core/command-options.js';
import { EdgectlError, usageError } from '../core/errors.js';
import { type JoinRole, JOIN_ROLES, appRoleName } from '../core/join-code.js';
import { DEFAULT_JOIN_CODE_TTL, MAX_JOIN_CODE_COUNT, accessorProblem, cidrProblem, joinCodeTtl } from '../core/join-code-options.js';
import type { SecretIdInfo } from '../core/ports.js';
import { mapBounded } from '../core/concurrency.js';
import { renderTable } from '../core/table.js';
import { DEFAULT_APPROLE_MOUNT } from '../core/vault-config.js';
import { mountProblem } from '../core/vault-layout.js';
import { type Context, writeJson, writeOut } from './context.js';
import { confirmByTyping } from './prompt.js';
import { mintJoinCodes, requireRole } from './join-code-mint.js';
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
    const codes: Array<{ file: string | null; accessor: string; expires_at: string }> = [];
    const minted = await mintJoinCodes(
      ctx,
      session,
      { clusterId: input.clusterId, role: input.role, count, ttlSeconds, cidrs: input.bindCidrs, approleMount: mount, requireRegistered: true, ...(input.hostVaultAddr === undefined ? {} : { hostVaultAddr: input.hostVaultAddr }) },
      async (code) => {
        if (input.out === '-') {
          codes.push({ file: null, accessor: code.accessor, expires_at: code.expiresAt });
          return;
        }
        const file = `${(input.out ?? '.').replace(/\/+$/, '') || '/'}/${input.clusterId}-${input.role}-${code.accessor.slice(0, 8)}.joincode`;
        await ctx.host.createSecretFile(file, code.text, 0o600);
        codes.push({ file, accessor: code.accessor, expires_at: code.expiresAt });
      },
    );
    if (input.out === '-') {
      // the one place a code is printed: stdout, one per line, nothing else on it
      for (const code of minted) ctx.writeSecretLine(code.text, 'always');
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
