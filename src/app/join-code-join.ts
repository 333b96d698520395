/**
 * The host side of a join code (`rke2 agent|server --join-code-file`): read
 * and parse the code, check its wrapping token with Vault (genuine, unused,
 * unexpired), unwrap it, log in with AppRole, and open the Vault session the
 * normal join flow uses. Everything here happens before the host changes;
 * every refusal is a joinCode error (exit 9) with its own message.
 */
import type { VaultFlags } from '../core/command-options.js';
import { EdgectlError, usageError } from '../core/errors.js';
import { type JoinCode, type JoinRole, appRoleName, parseJoinCode, secretIdCreationPath } from '../core/join-code.js';
import { JOIN_CODE_CA_FILE, JOIN_SESSION_FILE, encodeJoinSession, joinCodeFingerprint, parseJoinSession, sessionContinues } from '../core/join-session.js';
import type { AppRolePort } from '../core/ports.js';
import { Secret } from '../core/secret.js';
import { showPath } from '../core/show-path.js';
import { type VaultConfig, envVar, resolveVaultConfig } from '../core/vault-config.js';
import type { Context } from './context.js';
import { type VaultSession, sessionFor } from './vault-session.js';

export interface JoinCodeSession {
  code: JoinCode;
  /** the secret ID accessor the node entry records */
  accessor: string;
  store: VaultSession;
}

const CREDENTIAL_VARS = ['TOKEN', 'ROLE_ID', 'SECRET_ID', 'ADDR', 'NAMESPACE'];

/** A join code carries every Vault setting: combining it with other Vault settings is a usage error (exit 2). */
export function joinCodeConflicts(ctx: Context, flags: VaultFlags, noVault: boolean): string[] {
  const problems: string[] = [];
  if (noVault) problems.push('--join-code-file needs Vault: it cannot be combined with --no-vault');
  const given = Object.entries(flags).filter(([, v]) => v !== undefined).map(([k]) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  const vars = CREDENTIAL_VARS.map((n) => envVar(ctx.env, n)?.name).filter((n): n is string => n !== undefined);
  if (ctx.env.EDGECTL_VAULT_MOUNT !== undefined && ctx.env.EDGECTL_VAULT_MOUNT !== '') vars.push('EDGECTL_VAULT_MOUNT');
  if (given.length > 0 || vars.length > 0) {
    problems.push(`--join-code-file carries the Vault address, namespace, mount and credential: do not also give ${[...given, ...vars].join(', ')}`);
  }
  return problems;
}

async function readCodeText(ctx: Context, file: string): Promise<Secret> {
  if (file === '-') {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    return new Secret(Buffer.concat(chunks).toString('utf8'));
  }
  const content = await ctx.host.readSecretFile(file, {
    what: 'join code file',
    modes: [0o600, 0o400],
    ...(typeof process.getuid === 'function' ? { uid: process.getuid() } : {}),
    maxBytes: 64 * 1024,
  });
  return new Secret(content.text);
}

const refused = (message: string, hint: string): EdgectlError => new EdgectlError('joinCode', message, { hint, step: 'join code' });

function hintRevoke(code: JoinCode): string {
  return `revoke the outstanding codes (edgectl rke2 join-code revoke --cluster-id ${code.clusterId} --all), check Vault's audit log for who unwrapped it, and mint a new code`;
}

/** The Vault configuration a code describes (TLS settings from the environment; the CA from the code unless VAULT_CACERT is set). */
async function configFor(ctx: Context, code: JoinCode, dryRun: boolean): Promise<VaultConfig> {
  const env: Record<string, string | undefined> = { ...ctx.env, VAULT_ADDR: code.vaultAddr, BAO_ADDR: undefined, EDGECTL_VAULT_MOUNT: code.kvMount, VAULT_KV_MOUNT: undefined, BAO_KV_MOUNT: undefined };
  env.VAULT_NAMESPACE = code.namespace === '' ? undefined : code.namespace;
  if (code.caPem !== undefined && envVar(ctx.env, 'CACERT') === undefined && envVar(ctx.env, 'CAPATH') === undefined) {
    // the code's CA: kept on the host, so that later day-2 commands can trust the same Vault (VAULT_CACERT=this file)
    if (!dryRun) await ctx.host.writeFileAtomic(JOIN_CODE_CA_FILE, code.caPem, 0o644);
    env.VAULT_CACERT = dryRun ? undefined : JOIN_CODE_CA_FILE;
  }
  const config = resolveVaultConfig(env, {}, ctx.homeDir, ctx.ui);
  if (config === undefined) throw new EdgectlError('internal', 'a join code resolved to no Vault address');
  return config;
}

/**
 * Check the wrapping token: genuine (created by the role's secret-id endpoint) and still unused; exit 9 otherwise.
 * usedHere: this host's own session of this code exists (its token expired), so the code was used here.
 */
async function checkWrapping(approle: AppRolePort, code: JoinCode, usedHere: string | undefined, now: Date): Promise<void> {
  const lookup = await approle.lookupWrapping(code.wrapToken);
  const expiredByClock = Date.parse(code.expiresAt) <= now.getTime();
  if (lookup === undefined && usedHere !== undefined) {
    throw refused(
      `this host already used the join code for ${code.role}s of ${code.clusterId}, and the Vault token of that interrupted join expired at ${usedHere}`,
      `mint a new code (edgectl rke2 join-code --cluster-id ${code.clusterId} --role ${code.role}) and run again with it`,
    );
  }
  if (lookup === undefined) {
    throw refused(
      `the join code for ${code.role}s of ${code.clusterId} was already used or has expired${expiredByClock ? ` (it expired at ${code.expiresAt})` : ''}. ` +
        'If this host did not use it, someone else may have intercepted and used it',
      hintRevoke(code),
    );
  }
  const expected = secretIdCreationPath(code.approleMount, code.clusterId, code.role);
  if (lookup.creationPath !== expected) {
    throw refused(
      `the join code is forged: its wrapping token was created by ${JSON.stringify(lookup.creationPath.slice(0, 200))}, not by ${expected}; nothing was unwrapped`,
      'do not use codes from this source; mint a genuine one with edgectl rke2 join-code',
    );
  }
}

/**
 * Log in with a code (or continue a crashed join's session): the session the join uses. Nothing on
 * the host changes here but the CA file and the session file. With dryRun, only the checks before
 * the unwrap run, and the result is undefined.
 */
export async function openJoinCodeSession(ctx: Context, file: string, role: JoinRole, dryRun: boolean): Promise<JoinCodeSession | undefined> {
  const code = parseJoinCode(await readCodeText(ctx, file), file === '-' ? 'the join code on stdin' : `join code file ${showPath(file)}`);
  if (code.role !== role) {
    throw usageError(`the join code is for ${code.role}s of ${code.clusterId}, not for ${role}s`, `run edgectl rke2 ${code.role} --join-code-file …, or mint a ${role} code`);
  }
  const config = await configFor(ctx, code, dryRun);
  // the session holds a Vault token: only a root-only 0600 file is trusted (anything else is refused, exit 3)
  const sessionFile = await ctx.host.readSecretFile(JOIN_SESSION_FILE, {
    what: 'join session file',
    modes: [0o600],
    ...(typeof process.getuid === 'function' ? { uid: process.getuid() } : {}),
    missingOk: true,
    maxBytes: 64 * 1024,
  });
  const previous = parseJoinSession(sessionFile?.text ?? '');
  if (previous !== undefined && sessionContinues(previous, code, ctx.clock.now())) {
    const store = await sessionFor(ctx, { ...config, auth: { method: 'token', source: JOIN_SESSION_FILE, token: previous.token } });
    const alive = await store.client.lookupSelf().then(() => true, () => false);
    if (alive) {
      ctx.ui.info(`continuing the interrupted join with the Vault token kept in ${JOIN_SESSION_FILE} (until ${previous.expiresAt})`);
      return { code, accessor: previous.accessor, store };
    }
    await store.close();
  }
  const bare = await sessionFor(ctx, config);
  let loggedIn: { token: Secret; accessor: string; ttlSeconds: number };
  try {
    const usedHere = previous !== undefined && previous.codeSha256 === joinCodeFingerprint(code) ? previous.expiresAt : undefined;
    await checkWrapping(bare.approle, code, usedHere, ctx.clock.now());
    if (dryRun) {
      ctx.ui.info(`the join code for ${code.role}s of ${code.clusterId} is genuine and unused (valid until ${code.expiresAt}); --dry-run does not unwrap it, which would use it up: run without --dry-run to join`);
      return undefined;
    }
    const unwrapped = await bare.approle.unwrapSecretId(code.wrapToken);
    if (unwrapped === undefined) throw refused(`the join code for ${code.role}s of ${code.clusterId} was used by someone else a moment ago. If this host did not use it, it may have been intercepted`, hintRevoke(code));
    const login = await bare.approle.login(code.approleMount, code.roleId, unwrapped.secretId);
    if (login.kind === 'refused') {
      if (login.refusal === 'cidr') throw refused(`the join code is bound to another address: Vault refused this host's address for role ${appRoleName(code.clusterId, code.role)}`, 'mint a code with --bind-cidr covering this host, or use the code on the host it was made for');
      if (login.refusal === 'invalid-secret-id') throw refused(`the join code was revoked: its secret ID no longer exists (edgectl rke2 join-code revoke, or the role was rewritten)`, 'ask for a new code');
      throw refused(`Vault refused the AppRole login of the join code for role ${appRoleName(code.clusterId, code.role)}`, 'check the role (edgectl vault setup) and mint a new code');
    }
    loggedIn = { token: login.clientToken, accessor: unwrapped.accessor, ttlSeconds: login.ttlSeconds };
  } finally {
    await bare.close();
  }
  const expiresAt = new Date(ctx.clock.now().getTime() + loggedIn.ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await ctx.host.removeFile(JOIN_SESSION_FILE);
  await ctx.host.ensureDirectory('/etc/edgectl');
  await ctx.host.createSecretFile(JOIN_SESSION_FILE, encodeJoinSession({ codeSha256: joinCodeFingerprint(code), clusterId: code.clusterId, role: code.role, accessor: loggedIn.accessor, expiresAt, token: loggedIn.token }), 0o600);
  const store = await sessionFor(ctx, { ...config, auth: { method: 'token', source: 'the join code\'s AppRole login', token: loggedIn.token } });
  return { code, accessor: loggedIn.accessor, store };
}

/**
 * The start every join with a code shares (`rke2 agent|server --join-code-file`): root unless a dry
 * run, then the code opened (the session the join uses), and the cluster ID the code names. undefined:
 * a dry run checked the code and stopped (a dry run does not unwrap it).
 */
export async function startCodeJoin<I extends { joinCodeFile?: string; dryRun: boolean; clusterId: string | undefined }>(
  ctx: Context,
  input: I,
  role: JoinRole,
  command: string,
): Promise<{ input: I; joinCode: JoinCodeSession | undefined } | undefined> {
  if (!input.dryRun) ctx.host.requireRoot(command);
  if (input.joinCodeFile === undefined) return { input, joinCode: undefined };
  const joinCode = await openJoinCodeSession(ctx, input.joinCodeFile, role, input.dryRun);
  if (joinCode === undefined) return undefined;
  return { input: { ...input, clusterId: joinCode.code.clusterId }, joinCode };
}
