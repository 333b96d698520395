/**
 * Vault client configuration from the standard environment, as the Vault CLI
 * reads it (VAULT_* first, the BAO_* names of OpenBao as fallbacks), with
 * edgectl's flags overriding. Pure: files named here (token file, CA, secret
 * ID file) are only read when the client uses them.
 */
import type { Env, Ui } from './ports.js';
import type { VaultFlags } from './command-options.js';
import { credentialProblem } from './credential.js';
import { EdgectlError } from './errors.js';
import { Secret } from './secret.js';
import { DEFAULT_KV_MOUNT, mountProblem } from './vault-layout.js';

export interface VaultTlsSettings {
  /** PEM file of CA certificates to trust instead of the system store (VAULT_CACERT) */
  caCertFile: string | undefined;
  /** directory of PEM CA certificates (VAULT_CAPATH) */
  caPath: string | undefined;
  /** client certificate and key for mutual TLS (VAULT_CLIENT_CERT, VAULT_CLIENT_KEY) */
  clientCertFile: string | undefined;
  clientKeyFile: string | undefined;
  /** VAULT_SKIP_VERIFY: no certificate verification at all */
  insecureSkipVerify: boolean;
  /** VAULT_TLS_SERVER_NAME: SNI and the name the certificate must match */
  serverName: string | undefined;
}

/** How the client authenticates; tokens are Secrets so they never print. */
export type VaultAuthSettings =
  | { method: 'token'; source: string; token: Secret }
  /** ~/.vault-token, read at login time (the Vault CLI's token helper file) */
  | { method: 'token-file'; path: string }
  | {
      method: 'approle';
      roleId: string;
      /** where the secret ID comes from: an environment value or a file (maybe response-wrapped) */
      secretId: { source: 'env'; name: string; value: Secret } | { source: 'file'; path: string };
      /** auth mount of the AppRole method, default "approle" */
      mount: string;
    };

export interface VaultConfig {
  /** e.g. https://vault.example:8200 (no trailing slash) */
  address: string;
  /** where the address came from: a flag or variable name */
  addressSource: string;
  /** X-Vault-Namespace for every request but sys/health; undefined for the root namespace */
  namespace: string | undefined;
  /** the KV v2 mount edgectl uses, e.g. "kv" */
  mount: string;
  tls: VaultTlsSettings;
  /** per-request timeout (VAULT_CLIENT_TIMEOUT, default 60s) */
  timeoutMs: number;
  /** retries after the first attempt (VAULT_MAX_RETRIES, default 2) */
  maxRetries: number;
  auth: VaultAuthSettings;
  /** things the operator should know (plain http to a remote host, verification off); the caller shows them */
  warnings: string[];
}

export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;
export const DEFAULT_APPROLE_MOUNT = 'approle';

const NAMESPACE_SEGMENT = /^[A-Za-z0-9_.-]+$/;

/**
 * Why a namespace path is unusable, or undefined: segments of letters, digits,
 * "_", "." and "-", none of them "." or "..", no empty segment except after a
 * trailing slash ("team-a/edge/" is "team-a/edge"); at most 512 characters.
 */
export function namespaceProblem(value: string): string | undefined {
  if (value.length > 512) return 'longer than 512 characters';
  const segments = value.endsWith('/') ? value.slice(0, -1).split('/') : value.split('/');
  for (const segment of segments) {
    if (segment === '') return 'empty segment (a leading or doubled "/")';
    if (segment === '.' || segment === '..') return `"${segment}" is not a namespace name`;
    if (!NAMESPACE_SEGMENT.test(segment)) return 'segments may contain only letters, digits, "_", "." and "-"';
  }
  return undefined;
}

/**
 * Problems with the Vault flags' values alone (address, namespace, mount,
 * secret ID file), each naming its flag and never showing a credential.
 * Checked when the command line is parsed, so a malformed flag is a usage
 * error (exit 2) whatever the command would have looked at first.
 */
export function vaultFlagProblems(flags: VaultFlags): string[] {
  const problems: string[] = [];
  if (flags.vaultAddr !== undefined) parseAddress(flags.vaultAddr, '--vault-addr', (m) => problems.push(m), []);
  if (flags.vaultNamespace !== undefined && flags.vaultNamespace !== '/') {
    const problem = namespaceProblem(flags.vaultNamespace);
    if (problem !== undefined) problems.push(`--vault-namespace: invalid namespace ${JSON.stringify(flags.vaultNamespace.slice(0, 80))}: ${problem}`);
  }
  if (flags.vaultMount !== undefined) {
    const problem = mountProblem(flags.vaultMount.replace(/^\/+|\/+$/g, ''));
    if (problem !== undefined) problems.push(`--vault-mount: invalid KV mount ${JSON.stringify(flags.vaultMount.slice(0, 80))}: ${problem}`);
  }
  if (flags.vaultSecretIdFile === '') problems.push('--vault-secret-id-file: empty path');
  return problems;
}

/** The value of VAULT_<name>, else BAO_<name>, with the name it came from; empty counts as unset (as in the Vault CLI). */
export function envVar(env: Env, name: string): { name: string; value: string } | undefined {
  for (const full of [`VAULT_${name}`, `BAO_${name}`]) {
    const value = env[full];
    if (value !== undefined && value !== '') return { name: full, value };
  }
  return undefined;
}

/**
 * Resolve the Vault configuration, or undefined when no address is configured
 * at all (edgectl then runs without Vault where a command allows it). Every
 * malformed setting is reported at once: a usage error (exit 2) when a flag is
 * among them, else a precondition error (exit 3). Warnings (plain http to a
 * remote host, verification off) go to ui when given and are kept in .warnings.
 */
export function resolveVaultConfig(env: Env, flags: VaultFlags, homeDir: string, ui?: Pick<Ui, 'warn'>): VaultConfig | undefined {
  const problems: string[] = [];
  let flagProblem = false;
  const fail = (message: string, fromFlag = false): void => {
    problems.push(message);
    if (fromFlag) flagProblem = true;
  };

  const addrVar = envVar(env, 'ADDR');
  const addr = flags.vaultAddr !== undefined ? { name: '--vault-addr', value: flags.vaultAddr } : addrVar;
  if (addr === undefined) {
    // no-Vault mode, but a flag that only makes sense with Vault is still a mistake
    if (flags.vaultSecretIdFile !== undefined || flags.vaultNamespace !== undefined || flags.vaultMount !== undefined) {
      throw new EdgectlError('usage', 'Vault flags given but no Vault address: set VAULT_ADDR or pass --vault-addr');
    }
    return undefined;
  }
  const warnings: string[] = [];
  const address = parseAddress(addr.value, addr.name, (m, usage = false) => fail(m, usage || addr.name.startsWith('--')), warnings);

  const nsVar = envVar(env, 'NAMESPACE');
  const ns = flags.vaultNamespace !== undefined ? { name: '--vault-namespace', value: flags.vaultNamespace } : nsVar;
  let namespace: string | undefined;
  if (ns !== undefined) {
    const problem = ns.value === '/' ? undefined : namespaceProblem(ns.value);
    const trimmed = ns.value.replace(/\/$/, '');
    if (problem !== undefined) {
      fail(`${ns.name}: invalid namespace ${JSON.stringify(ns.value.slice(0, 80))}: ${problem}`, ns.name.startsWith('--'));
    } else if (trimmed === '' || trimmed === 'root') namespace = undefined;
    else namespace = trimmed;
  }

  const mountSource = resolveMountSource(env, flags, warnings);
  const mount = mountSource.value.replace(/^\/+|\/+$/g, '');
  const mountBad = mountProblem(mount);
  if (mountBad !== undefined) fail(`${mountSource.name}: invalid KV mount ${JSON.stringify(mountSource.value.slice(0, 80))}: ${mountBad}`, mountSource.name.startsWith('--'));

  const skip = envVar(env, 'SKIP_VERIFY');
  let insecureSkipVerify = false;
  if (skip !== undefined) {
    const parsed = parseGoBool(skip.value);
    if (parsed === undefined) fail(`${skip.name}: expected true or false, got ${JSON.stringify(skip.value.slice(0, 20))}`);
    else insecureSkipVerify = parsed;
  }
  const clientCert = envVar(env, 'CLIENT_CERT');
  const clientKey = envVar(env, 'CLIENT_KEY');
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    fail('VAULT_CLIENT_CERT and VAULT_CLIENT_KEY must be set together for mutual TLS');
  }
  const tls: VaultTlsSettings = {
    caCertFile: envVar(env, 'CACERT')?.value,
    caPath: envVar(env, 'CAPATH')?.value,
    clientCertFile: clientCert?.value,
    clientKeyFile: clientKey?.value,
    insecureSkipVerify,
    serverName: envVar(env, 'TLS_SERVER_NAME')?.value,
  };
  if (address?.startsWith('https:') === true && insecureSkipVerify) {
    warnings.push(`TLS certificate verification is disabled (${skip?.name ?? 'VAULT_SKIP_VERIFY'}): anyone on the path to ${address} can read the join token`);
  }

  let timeoutMs = DEFAULT_TIMEOUT_MS;
  const timeout = envVar(env, 'CLIENT_TIMEOUT');
  if (timeout !== undefined) {
    const ms = parseDurationMs(timeout.value);
    if (ms === undefined || ms <= 0) fail(`${timeout.name}: expected seconds or a duration like 30s or 2m, got ${JSON.stringify(timeout.value.slice(0, 20))}`);
    else timeoutMs = ms;
  }
  let maxRetries = DEFAULT_MAX_RETRIES;
  const retries = envVar(env, 'MAX_RETRIES');
  if (retries !== undefined) {
    if (!/^[0-9]{1,3}$/.test(retries.value) || Number(retries.value) > 100) fail(`${retries.name}: expected a whole number 0 to 100, got ${JSON.stringify(retries.value.slice(0, 20))}`);
    else maxRetries = Number(retries.value);
  }

  const auth = resolveAuth(env, flags, homeDir, fail, warnings);

  if (problems.length > 0 || address === undefined || auth === undefined) {
    throw new EdgectlError(flagProblem ? 'usage' : 'precondition', `invalid Vault configuration: ${problems.join('; ')}`, {
      hint: 'see the "Vault" section of the README for the variables edgectl reads',
    });
  }
  for (const w of warnings) ui?.warn(w);
  return { address, addressSource: addr.name, namespace, mount, tls, timeoutMs, maxRetries, auth, warnings };
}

/**
 * Where the KV mount comes from: --vault-mount, else EDGECTL_VAULT_MOUNT, else
 * VAULT_KV_MOUNT (BAO_KV_MOUNT), else the default. A variable that loses to
 * the other one set to a different mount is warned about, never silently ignored.
 */
function resolveMountSource(env: Env, flags: VaultFlags, warnings: string[]): { name: string; value: string } {
  const edgectl = env.EDGECTL_VAULT_MOUNT !== undefined && env.EDGECTL_VAULT_MOUNT !== '' ? { name: 'EDGECTL_VAULT_MOUNT', value: env.EDGECTL_VAULT_MOUNT } : undefined;
  const candidates = [flags.vaultMount !== undefined ? { name: '--vault-mount', value: flags.vaultMount } : undefined, edgectl, envVar(env, 'KV_MOUNT')].filter(
    (c): c is { name: string; value: string } => c !== undefined,
  );
  const chosen = candidates[0];
  if (chosen === undefined) return { name: 'default', value: DEFAULT_KV_MOUNT };
  const norm = (v: string): string => v.replace(/^\/+|\/+$/g, '');
  // a flag overriding the environment is the point of the flag; two variables disagreeing is a mistake
  for (const other of chosen.name === '--vault-mount' ? [] : candidates.slice(1)) {
    if (norm(other.value) !== norm(chosen.value)) warnings.push(`${other.name}=${other.value.slice(0, 80)} is ignored: ${chosen.name} sets the KV mount to ${chosen.value.slice(0, 80)}`);
  }
  return chosen;
}

function resolveAuth(
  env: Env,
  flags: VaultFlags,
  homeDir: string,
  fail: (m: string, fromFlag?: boolean) => void,
  warnings: string[],
): VaultAuthSettings | undefined {
  const roleId = envVar(env, 'ROLE_ID');
  const secretIdVar = envVar(env, 'SECRET_ID');
  const token = envVar(env, 'TOKEN');
  const approleMountVar = env.EDGECTL_VAULT_APPROLE_MOUNT;
  const approleMount = approleMountVar !== undefined && approleMountVar !== '' ? approleMountVar.replace(/^\/+|\/+$/g, '') : DEFAULT_APPROLE_MOUNT;
  if (mountProblem(approleMount) !== undefined) {
    fail(`EDGECTL_VAULT_APPROLE_MOUNT: invalid auth mount ${JSON.stringify(approleMountVar?.slice(0, 80))}`);
    return undefined;
  }
  if (roleId !== undefined) {
    let secretId: Extract<VaultAuthSettings, { method: 'approle' }>['secretId'];
    if (flags.vaultSecretIdFile !== undefined) {
      if (flags.vaultSecretIdFile === '') {
        fail('--vault-secret-id-file: empty path', true);
        return undefined;
      }
      secretId = { source: 'file', path: flags.vaultSecretIdFile };
    } else if (secretIdVar !== undefined) {
      const problem = credentialProblem(secretIdVar.value.trim());
      if (problem !== undefined) {
        fail(`${secretIdVar.name} is not a valid secret ID: ${problem} (the value is not shown)`, true);
        return undefined;
      }
      secretId = { source: 'env', name: secretIdVar.name, value: new Secret(secretIdVar.value.trim()) };
    } else {
      fail(`${roleId.name} is set but there is no secret ID: set VAULT_SECRET_ID or pass --vault-secret-id-file`);
      return undefined;
    }
    if (token !== undefined) warnings.push(`${token.name} is ignored: ${roleId.name} is set, so edgectl logs in with AppRole`);
    return { method: 'approle', roleId: roleId.value, secretId, mount: approleMount };
  }
  if (flags.vaultSecretIdFile !== undefined) {
    fail('--vault-secret-id-file needs VAULT_ROLE_ID (the AppRole role ID) in the environment', true);
    return undefined;
  }
  if (secretIdVar !== undefined) warnings.push(`${secretIdVar.name} is ignored without VAULT_ROLE_ID`);
  if (token !== undefined) {
    // a token is sent as a header: one that cannot be must fail here, not in the HTTP layer (whose errors quote it)
    const problem = credentialProblem(token.value.trim());
    if (problem !== undefined) {
      fail(`${token.name} is not a valid Vault token: ${problem} (the value is not shown)`, true);
      return undefined;
    }
    return { method: 'token', source: token.name, token: new Secret(token.value.trim()) };
  }
  return { method: 'token-file', path: `${homeDir.replace(/\/+$/, '')}/.vault-token` };
}

function parseAddress(value: string, source: string, fail: (m: string, usage?: boolean) => void, warnings: string[]): string | undefined {
  // "user:password@" would be a credential: refused (a usage error) and never shown, valid URL or not
  const userinfo = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*@/.test(value) || (value.includes('@') && !URL.canParse(value));
  if (userinfo) {
    fail(`${source}: the address must not carry credentials (user:password@); the value is not shown. Give the token in VAULT_TOKEN or ~/.vault-token`, true);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    fail(`${source}: not a URL: ${JSON.stringify(value.slice(0, 80))} (expected e.g. https://vault.example:8200)`);
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    fail(`${source}: unsupported scheme ${url.protocol} (use https:// or http://)`);
    return undefined;
  }
  if (url.username !== '' || url.password !== '') {
    fail(`${source}: the address must not carry credentials (user:password@); the value is not shown`, true);
    return undefined;
  }
  if (url.search !== '' || url.hash !== '') {
    fail(`${source}: the address must not carry credentials, a query or a fragment`);
    return undefined;
  }
  const address = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    warnings.push(`${source} ${address} is plain http to a non-loopback address: Vault tokens and join tokens cross the network unencrypted; use https`);
  }
  return address;
}

/** True for localhost, 127.0.0.0/8 and ::1 (URL.hostname form: IPv6 in brackets). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '[::1]' || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Go's strconv.ParseBool, which the Vault CLI uses for VAULT_SKIP_VERIFY. */
export function parseGoBool(value: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  return undefined;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Vault duration: plain seconds ("30") or a Go duration ("1m30s", "500ms"); undefined when malformed. */
export function parseDurationMs(value: string): number | undefined {
  if (/^[0-9]+$/.test(value)) return Number(value) * 1000;
  if (!/^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) return undefined;
  let total = 0;
  for (const m of value.matchAll(/([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? Number.NaN);
  return Number.isFinite(total) ? Math.round(total) : undefined;
}
