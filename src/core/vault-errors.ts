/**
 * Vault failures as EdgectlErrors with a machine-readable reason. Messages name
 * the Vault path and, for 403, the capability the policy lacks; they never
 * contain a token or secret ID: credentials are validated before they are
 * sent, and VaultClient scrubs every error it throws (undici quotes refused
 * header values; a proxy may echo what it was sent).
 */
import { EdgectlError, type ErrorDetails, type ErrorKind } from './errors.js';

export type VaultErrorReason =
  | 'unreachable'
  | 'tls'
  | 'sealed'
  | 'rate-limited'
  | 'denied'
  | 'auth'
  | 'not-found'
  | 'deleted'
  | 'cas-conflict'
  | 'kv-version'
  | 'namespace'
  | 'bad-request';

/** Reason → error kind (and so exit code: 4 unavailable, 5 denied, 6 state). */
export const VAULT_REASON_KINDS: Readonly<Record<VaultErrorReason, ErrorKind>> = {
  unreachable: 'vaultUnavailable',
  tls: 'vaultUnavailable',
  sealed: 'vaultUnavailable',
  'rate-limited': 'vaultUnavailable',
  denied: 'vaultDenied',
  auth: 'vaultDenied',
  namespace: 'vaultDenied',
  'not-found': 'vaultState',
  deleted: 'vaultState',
  'cas-conflict': 'vaultState',
  'kv-version': 'vaultState',
  'bad-request': 'vaultState',
};

export interface VaultErrorDetails extends ErrorDetails {
  /** the HTTP status, when Vault answered */
  status?: number;
  /** the Vault API path, e.g. kv/data/rke2/rke2-abc12345 */
  path?: string;
}

/** A Vault failure: reason (machine-readable), HTTP status and path when known. */
export class VaultError extends EdgectlError {
  readonly reason: VaultErrorReason;
  readonly status: number | undefined;
  readonly path: string | undefined;

  constructor(reason: VaultErrorReason, message: string, details: VaultErrorDetails = {}) {
    super(VAULT_REASON_KINDS[reason], message, details);
    this.name = 'VaultError';
    this.reason = reason;
    this.status = details.status;
    this.path = details.path;
  }
}

/** True when err is a VaultError with one of the reasons. */
export function isVaultError(err: unknown, ...reasons: VaultErrorReason[]): err is VaultError {
  return err instanceof VaultError && (reasons.length === 0 || reasons.includes(err.reason));
}

/** What a request was, for messages. */
export interface RequestInfo {
  method: string;
  /** API path without /v1/ */
  path: string;
  /** the policy capability this request needs, e.g. "read" or "create" */
  capability: string;
  address: string;
  namespace: string | undefined;
  /** a login or unwrap: 400/403 mean the credentials were refused */
  login?: boolean;
}

/** Vault's {"errors": [...]} as clean one-line strings ("1 error occurred:\n\t* x" → "x"). */
export function serverErrors(body: unknown): string[] {
  if (typeof body !== 'object' || body === null) return [];
  const errors = (body as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  const out: string[] = [];
  for (const e of errors) {
    if (typeof e !== 'string') continue;
    const parts = e
      .split('\n')
      .map((line) => line.replace(/^\t?\* /, '').trim())
      .filter((line) => line !== '' && !/^\d+ errors? occurred:$/.test(line));
    out.push(...parts);
  }
  return out;
}

const inNamespace = (ns: string | undefined): string => (ns === undefined ? '' : ` in namespace "${ns}"`);

/** Map a non-success Vault response to a VaultError (after retries, when the status was retryable). */
export function vaultErrorFromResponse(req: RequestInfo, status: number, errors: readonly string[], retries = 0): VaultError {
  const said = errors.length > 0 ? errors.join('; ') : `HTTP ${status}`;
  const base = { status, path: req.path };
  const where = `${req.method} ${req.path}${inNamespace(req.namespace)}`;
  const lower = said.toLowerCase();
  const afterRetries = retries > 0 ? ` (after ${retries} ${retries === 1 ? 'retry' : 'retries'})` : '';

  if (lower.includes('namespace not found')) {
    return new VaultError('namespace', `Vault namespace "${req.namespace ?? ''}" does not exist at ${req.address}`, {
      ...base,
      hint: 'create it (bao namespace create NAME) or fix VAULT_NAMESPACE / --vault-namespace',
    });
  }
  if (req.login === true && (status === 400 || status === 401 || status === 403)) {
    return new VaultError('auth', `Vault login refused (${req.path}${inNamespace(req.namespace)}): ${said}`, {
      ...base,
      hint: 'check the AppRole role ID and secret ID (a wrapped secret ID works only once); create a new secret ID if it was used or expired',
    });
  }
  switch (status) {
    case 400:
      if (lower.includes('http request to an https server')) {
        return new VaultError('tls', `Vault at ${req.address} speaks https, but the address says http`, { ...base, hint: 'use https:// in VAULT_ADDR' });
      }
      if (lower.includes('check-and-set parameter did not match')) {
        return new VaultError('cas-conflict', `check-and-set conflict on ${req.path}${inNamespace(req.namespace)}: the secret changed since it was read`, {
          ...base,
          hint: 'another edgectl wrote it at the same time; re-run to see the current state',
        });
      }
      return new VaultError('bad-request', `Vault rejected ${where}: ${said}`, base);
    case 401:
      return new VaultError('auth', `Vault refused the credentials for ${where}: ${said}`, { ...base, hint: 'log in again (bao login) or set VAULT_TOKEN' });
    case 403:
      return new VaultError(
        'denied',
        `permission denied: ${where} needs the "${req.capability}" capability on ${req.path} in the token's policy`,
        { ...base, hint: 'grant it as the README policy of this token\'s role does ("Vault policies"); edgectl vault check --role server|agent|operator [--cluster-id ID] names the lines that role lacks' },
      );
    case 404:
      return new VaultError('not-found', `${req.path}${inNamespace(req.namespace)} not found`, base);
    case 412:
      return new VaultError('unreachable', `Vault at ${req.address} kept answering 412 for ${where}: a standby has not caught up${afterRetries}`, {
        ...base,
        hint: 'retry later, or point VAULT_ADDR at the active node',
      });
    case 429:
      return new VaultError('rate-limited', `Vault at ${req.address} rate-limited ${where} (HTTP 429)${afterRetries}`, {
        ...base,
        hint: 'retry later, raise VAULT_MAX_RETRIES, or ask the Vault operator to raise the rate-limit quota',
      });
    case 501:
      return new VaultError('sealed', `Vault at ${req.address} is not initialized`, { ...base, hint: 'initialize it: bao operator init' });
    case 503:
      if (lower.includes('sealed')) {
        return new VaultError('sealed', `Vault at ${req.address} is sealed${afterRetries}`, { ...base, hint: 'unseal it (bao operator unseal) and re-run' });
      }
      return new VaultError('unreachable', `Vault at ${req.address} is unavailable (HTTP 503: ${said})${afterRetries}`, { ...base, hint: 'retry when Vault is healthy' });
    default:
      if (status >= 500) {
        return new VaultError('unreachable', `Vault at ${req.address} failed ${where} (HTTP ${status}: ${said})${afterRetries}`, { ...base, hint: 'check the Vault server logs' });
      }
      return new VaultError('bad-request', `Vault answered HTTP ${status} to ${where}: ${said}`, base);
  }
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

/** The innermost error code and message of a fetch failure (undici wraps the socket error in TypeError("fetch failed")). */
export function networkCause(err: unknown): { code: string | undefined; message: string } {
  let e: unknown = err;
  let code: string | undefined;
  let message = err instanceof Error ? err.message : String(err);
  for (let depth = 0; depth < 5 && e instanceof Error; depth += 1) {
    const c = (e as NodeJS.ErrnoException).code;
    if (typeof c === 'string') code = c;
    if (e.message !== 'fetch failed') message = e.message;
    if (e.name === 'TimeoutError') code = 'TIMEOUT';
    e = e.cause;
  }
  return { code, message };
}

/** True when a network error is a TLS verification or handshake failure (never retried). */
export function isTlsFailure(err: unknown): boolean {
  const { code, message } = networkCause(err);
  return (code !== undefined && (TLS_CODES.has(code) || code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) || /certificate|ssl|tls/i.test(message);
}

/** Map a failed connection (no HTTP answer) to a VaultError. */
export function vaultErrorFromNetwork(req: RequestInfo, err: unknown, timeoutMs: number, retries = 0): VaultError {
  const { code, message } = networkCause(err);
  const afterRetries = retries > 0 ? ` (after ${retries} ${retries === 1 ? 'retry' : 'retries'})` : '';
  if (isTlsFailure(err)) {
    return new VaultError('tls', `TLS connection to Vault at ${req.address} failed: ${code !== undefined ? `${code}: ` : ''}${message}`, {
      path: req.path,
      cause: err,
      hint: 'set VAULT_CACERT (or VAULT_CAPATH) to the CA that signed the Vault certificate; VAULT_TLS_SERVER_NAME if it names another host',
    });
  }
  const what = code === 'TIMEOUT' ? `no answer within ${Math.round(timeoutMs / 100) / 10}s` : `${code !== undefined ? `${code}: ` : ''}${message}`;
  return new VaultError('unreachable', `cannot reach Vault at ${req.address} (${req.method} ${req.path}): ${what}${afterRetries}`, {
    path: req.path,
    cause: err,
    hint:
      code === 'TIMEOUT'
        ? `check that Vault (or a proxy in front of it) at ${req.address} is healthy and that VAULT_ADDR names it; each attempt waits VAULT_CLIENT_TIMEOUT (${Math.round(timeoutMs / 100) / 10}s here) and VAULT_MAX_RETRIES more attempts follow: lower them to give up sooner (raise the timeout only for a Vault that is slow but alive)`
        : 'check VAULT_ADDR, that Vault is running, and that this host can reach it (firewall, DNS)',
  });
}
