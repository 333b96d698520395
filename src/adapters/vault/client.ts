/**
 * A small typed Vault/OpenBao HTTP client on undici's fetch: one keep-alive
 * connection pool per run (sized for hundreds of concurrent requests), TLS as
 * configured (custom CA, client certificate, SNI, or verification off),
 * per-request timeouts, retries like the official Go client, 307 standby
 * redirects that never carry the token to another host, and login once per run
 * (token, ~/.vault-token, or AppRole with a possibly response-wrapped secret ID).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { Agent, buildConnector, fetch, type Response } from 'undici';
import { readSecretFile } from '../host/secret-file.js';
import { credentialProblem, scrubSecrets, scrubbedError } from '../../core/credential.js';
import { EdgectlError } from '../../core/errors.js';
import { Secret } from '../../core/secret.js';
import { EDGECTL_VERSION } from '../../core/version.js';
import type { VaultConfig } from '../../core/vault-config.js';
import type { TokenInfo, VaultClientPort, VaultHealth } from '../../core/ports.js';

export type { TokenInfo, VaultHealth };
import { type RequestInfo, VaultError, isTlsFailure, isVaultError, serverErrors, vaultErrorFromNetwork, vaultErrorFromResponse } from '../../core/vault-errors.js';
import { DEFAULT_RETRY_WAIT, type RetryPolicy, parseRetryAfter, retryDelayMs, shouldRetry } from './retry.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface VaultRequest {
  method: HttpMethod;
  /** API path without the /v1/ prefix, e.g. kv/data/rke2/rke2-abc12345 */
  path: string;
  /** true: a LIST (sent as GET ?list=true, needs the "list" capability) */
  list?: boolean;
  query?: Readonly<Record<string, string>>;
  body?: unknown;
  /** default application/json; KV v2 metadata patches use application/merge-patch+json */
  contentType?: string;
  /** the policy capability this needs, named in 403 messages (default from the method) */
  capability?: string;
  /** may be sent again after a failure: default true for GET, false otherwise (writes: only with CAS) */
  repeatable?: boolean;
  /** send the run's token (logging in first); default true */
  auth?: boolean;
  /** send X-Vault-Namespace; default true (sys/health must not carry it) */
  namespace?: boolean;
  /** send this token instead of the run's (unwrapping a response-wrapped secret ID) */
  token?: Secret;
  /** a login or unwrap: refused credentials are an "auth" failure */
  login?: boolean;
  /** statuses returned to the caller instead of thrown (e.g. 404 for "absent") */
  accept?: readonly number[];
  /** X-Vault-Wrap-TTL: Vault answers with a wrapping token instead of the response (e.g. "3600s") */
  wrapTtl?: string;
  /** credentials this request carries in its body: remembered so no error can quote them */
  bodySecrets?: readonly Secret[];
}

export interface VaultResponse {
  status: number;
  /** parsed JSON body, undefined when empty */
  body: unknown;
  /** retries this request took */
  retries: number;
}

export interface VaultClientOptions {
  /** aborts every request (Ctrl-C) */
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** wall clock in ms, for Retry-After dates */
  now?: () => number;
  /** debug lines (never containing secrets) */
  debug?: (message: string) => void;
  /** warnings for the operator (e.g. a world-readable secret ID file) */
  warn?: (message: string) => void;
  /** backoff bounds; tests shorten them, the defaults are the Go client's */
  retryWait?: Partial<Omit<RetryPolicy, 'maxRetries'>>;
  random?: () => number;
  /** connections in the pool to the Vault origin (default 512) */
  connections?: number;
}

const MAX_REDIRECTS = 5;
const LOOKUP_SELF = 'auth/token/lookup-self';
const WRAPPING_TOKEN = /^(s|hvs|b|hvb)\.[A-Za-z0-9._-]{8,}$/;

/** Counters for diagnostics and tests. */
export interface ClientStats {
  requests: number;
  retries: number;
  logins: number;
}

export class VaultClient implements VaultClientPort {
  readonly config: VaultConfig;
  readonly stats: ClientStats = { requests: 0, retries: 0, logins: 0 };
  readonly #opts: VaultClientOptions;
  readonly #policy: RetryPolicy;
  readonly #origin: string;
  #dispatcher: Promise<Agent> | undefined;
  #token: Promise<Secret> | undefined;
  #tokenValid: Promise<boolean> | undefined;
  #closed = false;
  /** every credential this client has sent or read, so that no error it throws can quote one */
  readonly #secrets = new Set<string>();
  /** controllers of the exchanges in flight: one listener on the run's signal aborts them all */
  readonly #inFlight = new Set<AbortController>();
  #abortListening = false;
  /** X-Vault-Index of this run's last write: later requests carry it, so a standby serving them has caught up with it */
  #writeIndex: string | undefined;

  constructor(config: VaultConfig, opts: VaultClientOptions = {}) {
    this.config = config;
    this.#opts = opts;
    this.#policy = { ...DEFAULT_RETRY_WAIT, ...opts.retryWait, maxRetries: config.maxRetries };
    this.#origin = new URL(config.address).origin;
  }

  /** How this run authenticates, for messages (never the token itself). */
  describeAuth(): string {
    const a = this.config.auth;
    if (a.method === 'token') return `token from ${a.source}`;
    if (a.method === 'token-file') return `token from ${a.path}`;
    return `AppRole login at auth/${a.mount} (secret ID from ${a.secretId.source === 'env' ? a.secretId.name : a.secretId.path})`;
  }

  /** Send one request (logging in first when it needs the token); throws VaultError unless the status is 2xx or accepted. */
  async request(req: VaultRequest): Promise<VaultResponse> {
    try {
      return await this.send(req);
    } catch (err) {
      throw this.scrub(err);
    }
  }

  /**
   * err with every credential this client knows removed from its message, hint
   * and causes (undici quotes header values in its errors; a proxy may echo
   * headers in its answer), so no error or debug line can carry one.
   */
  private scrub(err: unknown): unknown {
    if (!(err instanceof EdgectlError)) return scrubbedError(err, this.#secrets);
    const clean = (t: string): string => scrubSecrets(t, this.#secrets);
    if (clean(err.message) !== err.message) err.message = clean(err.message);
    if (err.stack !== undefined) err.stack = clean(err.stack);
    if (err.hint !== undefined && clean(err.hint) !== err.hint) (err as { hint: string | undefined }).hint = clean(err.hint);
    if (err.cause !== undefined) (err as { cause: unknown }).cause = scrubbedError(err.cause, this.#secrets);
    return err;
  }

  /** A credential's value, remembered for scrub(); the one way this client reveals one. */
  private reveal(secret: Secret): string {
    const value = secret.reveal();
    this.#secrets.add(value);
    return value;
  }

  /** A credential that reached this client outside a request's token (e.g. a login's answer): never quoted in its errors. */
  rememberSecret(secret: Secret): void {
    this.#secrets.add(secret.reveal());
  }

  private async send(req: VaultRequest): Promise<VaultResponse> {
    for (const s of req.bodySecrets ?? []) this.reveal(s);
    const token = req.token ?? (req.auth === false ? undefined : await this.token());
    const info: RequestInfo = {
      method: req.list === true ? 'LIST' : req.method,
      path: req.path,
      capability: req.capability ?? defaultCapability(req),
      address: this.config.address,
      namespace: req.namespace === false ? undefined : this.config.namespace,
      login: req.login,
    };
    const repeatable = req.repeatable ?? req.method === 'GET';
    for (let retries = 0; ; retries += 1) {
      let outcome: Awaited<ReturnType<VaultClient['attempt']>>;
      try {
        outcome = await this.attempt(req, info, token);
      } catch (err) {
        if (this.#opts.signal?.aborted === true || err instanceof EdgectlError) throw err;
        const tls = isTlsFailure(err);
        if (shouldRetry({ network: true, tls, aborted: false }, retries, this.#policy, repeatable)) {
          await this.backoff(retries + 1, undefined, `${info.method} ${info.path}: ${describeNetwork(err)}`);
          continue;
        }
        throw vaultErrorFromNetwork(info, err, this.config.timeoutMs, retries);
      }
      const { status, body, retryAfter, crossOrigin, sentIndex } = outcome;
      if ((status >= 200 && status < 300) || (req.accept ?? []).includes(status)) return { status, body, retries };
      // a standby refuses (412/429) a request whose X-Vault-Index it has not reached yet, before running it: safe to send again
      const notCaughtUp = sentIndex && (status === 412 || status === 429);
      if (shouldRetry({ status }, retries, this.#policy, repeatable || notCaughtUp)) {
        const wait = retryDelayMs(retries + 1, parseRetryAfter(retryAfter, this.now()), this.#policy, this.#opts.random);
        if (wait !== undefined) {
          this.stats.retries += 1;
          this.debug(`vault: ${info.method} ${info.path} → ${status}; retry ${retries + 1}/${this.#policy.maxRetries} in ${wait}ms`);
          await this.sleep(wait);
          continue;
        }
      }
      if (crossOrigin !== undefined && (status === 400 || status === 401 || status === 403)) {
        throw new VaultError(
          'denied',
          `Vault at ${this.config.address} redirected ${info.method} ${info.path} to ${crossOrigin} (a standby pointing at the active node); edgectl does not send the token to another host`,
          // no status: this is not a 403 of the configured Vault, and must not be read as one
          { path: info.path, hint: `set VAULT_ADDR to ${crossOrigin}, or to a load balancer in front of the active node` },
        );
      }
      const error = vaultErrorFromResponse(info, status, serverErrors(body), retries);
      // a 403 is also what an invalid or expired token gets: tell the two apart once per run
      if (error.reason === 'denied' && token !== undefined && req.token === undefined && req.path !== LOOKUP_SELF && !(await this.tokenIsValid())) {
        throw new VaultError('auth', `Vault refused the ${this.describeAuth()}: it is invalid, expired or revoked (${info.method} ${info.path} was denied and so is auth/token/lookup-self)`, {
          status,
          path: info.path,
          hint: 'log in again (bao login), set a valid VAULT_TOKEN, or use AppRole (VAULT_ROLE_ID)',
        });
      }
      throw error;
    }
  }

  /** One HTTP exchange, following up to 5 redirects (307/308) within it. */
  private async attempt(
    req: VaultRequest,
    info: RequestInfo,
    token: Secret | undefined,
  ): Promise<{ status: number; body: unknown; retryAfter: string | null; crossOrigin: string | undefined; sentIndex: boolean }> {
    const dispatcher = await this.dispatcher();
    let url = this.url(req);
    let crossOrigin: string | undefined;
    for (let redirects = 0; ; redirects += 1) {
      const headers: Record<string, string> = { 'X-Vault-Request': 'true', 'User-Agent': `edgectl/${EDGECTL_VERSION}` };
      // the token and namespace go only to the configured origin: a redirect elsewhere gets neither
      if (crossOrigin === undefined) {
        if (token !== undefined) headers['X-Vault-Token'] = this.reveal(token);
        if (info.namespace !== undefined) headers['X-Vault-Namespace'] = info.namespace;
        if (this.#writeIndex !== undefined) {
          // read-your-writes on OpenBao standbys: a standby that has not applied this run's last write yet answers 412/429
          // instead of a stale answer, and the retry waits for it (X-Vault-Inconsistent: forward-active-node alone did not
          // prevent the stale 404s on OpenBao 2.7 standbys, so it is not sent)
          headers['X-Vault-Index'] = this.#writeIndex;
        }
      }
      if (req.body !== undefined) headers['Content-Type'] = req.contentType ?? 'application/json';
      if (req.wrapTtl !== undefined && crossOrigin === undefined) headers['X-Vault-Wrap-TTL'] = req.wrapTtl;
      // one controller per exchange, aborted through the client's single listener on the run's signal
      // (48 concurrent reads must not add 48 listeners to it: MaxListenersExceededWarning)
      const controller = new AbortController();
      const parent = this.#opts.signal;
      this.linkAbort(controller);
      const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${this.config.timeoutMs}ms`, 'TimeoutError')), this.config.timeoutMs);
      const started = performance.now();
      this.stats.requests += 1;
      let res: Response;
      let text: string;
      try {
        if (parent?.aborted === true) throw parent.reason;
        res = await fetch(url, {
          method: req.method,
          headers,
          redirect: 'manual',
          signal: controller.signal,
          dispatcher,
          ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
        });
        text = await res.text();
      } finally {
        clearTimeout(timer);
        this.#inFlight.delete(controller);
      }
      this.debug(`vault: ${info.method} ${info.path} → ${res.status} (${Math.round(performance.now() - started)}ms)`);
      if ((res.status === 307 || res.status === 308) && res.headers.get('location') !== null) {
        if (redirects >= MAX_REDIRECTS) {
          throw new VaultError('unreachable', `Vault at ${this.config.address} redirected ${info.method} ${info.path} more than ${MAX_REDIRECTS} times`, { path: info.path });
        }
        const next = new URL(res.headers.get('location') ?? '', url);
        if (url.protocol === 'https:' && next.protocol !== 'https:') {
          throw new VaultError('tls', `Vault at ${this.config.address} redirected ${info.method} ${info.path} to plain ${next.protocol}//${next.host}; refusing to downgrade`, { path: info.path });
        }
        if (next.origin !== this.#origin) crossOrigin = next.origin;
        this.debug(`vault: following ${res.status} redirect to ${next.origin}${crossOrigin === undefined ? '' : ' without the token'}`);
        url = next;
        continue;
      }
      const index = res.headers.get('x-vault-index');
      if (index !== null && req.method !== 'GET' && crossOrigin === undefined && res.status < 300) this.#writeIndex = index;
      return { status: res.status, body: parseJson(text), retryAfter: res.headers.get('retry-after'), crossOrigin, sentIndex: headers['X-Vault-Index'] !== undefined };
    }
  }

  /** Track an exchange's controller; the run's signal gets one listener per client, added on first use. */
  private linkAbort(controller: AbortController): void {
    const parent = this.#opts.signal;
    if (parent === undefined) return;
    this.#inFlight.add(controller);
    if (this.#abortListening) return;
    this.#abortListening = true;
    parent.addEventListener('abort', () => {
      for (const c of this.#inFlight) c.abort(parent.reason);
    }, { once: true });
  }

  private url(req: VaultRequest): URL {
    const url = new URL(`${this.config.address}/v1/${req.path.replace(/^\/+/, '')}`);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    if (req.list === true) url.searchParams.set('list', 'true');
    return url;
  }

  private async backoff(retry: number, retryAfter: string | null | undefined, what: string): Promise<void> {
    const wait = retryDelayMs(retry, parseRetryAfter(retryAfter, this.now()), this.#policy, this.#opts.random) ?? this.#policy.maxWaitMs;
    this.stats.retries += 1;
    this.debug(`vault: ${what}; retry ${retry}/${this.#policy.maxRetries} in ${wait}ms`);
    await this.sleep(wait);
  }

  private sleep(ms: number): Promise<void> {
    const sleep = this.#opts.sleep ?? ((t: number, signal?: AbortSignal) => new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      // the listener goes when the wait ends: retries must not pile listeners on the run's signal
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, t);
      signal?.addEventListener('abort', onAbort, { once: true });
    }));
    return sleep(ms, this.#opts.signal);
  }

  /** The run's wall clock in ms (the injected one in tests). */
  now(): number {
    return this.#opts.now?.() ?? Date.now();
  }

  private debug(message: string): void {
    this.#opts.debug?.(message);
  }

  /** The connection pool, built on first use (reads the CA and client certificate files). */
  private dispatcher(): Promise<Agent> {
    if (this.#closed) throw new EdgectlError('internal', 'Vault client used after close()');
    this.#dispatcher ??= this.buildDispatcher();
    return this.#dispatcher;
  }

  private async buildDispatcher(): Promise<Agent> {
    const tls = this.config.tls;
    const ca: string[] = [];
    if (tls.caCertFile !== undefined) ca.push(await readConfigFile(tls.caCertFile, 'VAULT_CACERT'));
    if (tls.caPath !== undefined) ca.push(...(await readCaDir(tls.caPath)));
    const connector = buildConnector({
      timeout: Math.min(this.config.timeoutMs, 30_000),
      rejectUnauthorized: !tls.insecureSkipVerify,
      ...(ca.length > 0 ? { ca } : {}),
      ...(tls.clientCertFile !== undefined ? { cert: await readConfigFile(tls.clientCertFile, 'VAULT_CLIENT_CERT') } : {}),
      ...(tls.clientKeyFile !== undefined ? { key: await readConfigFile(tls.clientKeyFile, 'VAULT_CLIENT_KEY') } : {}),
    });
    const serverName = tls.serverName;
    return new Agent({
      connections: this.#opts.connections ?? 512,
      pipelining: 1,
      keepAliveTimeout: 30_000,
      // undici derives SNI from the URL host first; VAULT_TLS_SERVER_NAME must win, for SNI and the certificate check
      connect: serverName === undefined ? connector : (opts, cb) => connector({ ...opts, servername: serverName }, cb),
    });
  }

  /** The run's token: logs in on first use and reuses the result (one login per run, shared by concurrent callers). */
  token(): Promise<Secret> {
    this.#token ??= this.login();
    return this.#token;
  }

  private async login(): Promise<Secret> {
    const auth = this.config.auth;
    if (auth.method === 'token') {
      this.#secrets.add(auth.token.reveal());
      return auth.token;
    }
    if (auth.method === 'token-file') {
      const text = (await readSecretFile(auth.path, { what: 'Vault token file', missingOk: true, maxBytes: 64 * 1024 }))?.text;
      const token = text?.trim() ?? '';
      if (token !== '') this.#secrets.add(token);
      if (token === '') {
        throw new VaultError('auth', `no Vault credentials: VAULT_TOKEN is not set and ${auth.path} ${text === undefined ? 'does not exist' : 'is empty'}`, {
          hint: 'set VAULT_TOKEN, run bao login (writes ~/.vault-token), or set VAULT_ROLE_ID with VAULT_SECRET_ID / --vault-secret-id-file',
        });
      }
      requireCredential(token, `the token in ${auth.path}`);
      return new Secret(token);
    }
    let secretId: Secret;
    if (auth.secretId.source === 'env') secretId = auth.secretId.value;
    else {
      const path = auth.secretId.path;
      const file = await readSecretFile(path, { what: '--vault-secret-id-file', maxBytes: 64 * 1024 });
      if ((file.mode & 0o077) !== 0) this.#opts.warn?.(`${path} is readable by other users (mode ${file.mode.toString(8)}); a secret ID file should be 0600`);
      secretId = new Secret(extractSecretId(file.text));
      this.#secrets.add(secretId.reveal());
      requireCredential(secretId.reveal(), `the secret ID in ${path}`);
    }
    this.#secrets.add(secretId.reveal());
    if (WRAPPING_TOKEN.test(secretId.reveal())) secretId = await this.unwrapSecretId(secretId, auth.mount);
    const res = await this.request({
      method: 'POST',
      path: `auth/${auth.mount}/login`,
      body: { role_id: auth.roleId, secret_id: this.reveal(secretId) },
      auth: false,
      login: true,
      capability: 'create',
    });
    const clientToken = (res.body as { auth?: { client_token?: unknown } } | undefined)?.auth?.client_token;
    if (typeof clientToken !== 'string' || clientToken === '') {
      throw new VaultError('auth', `AppRole login at auth/${auth.mount}/login returned no client token`, { path: `auth/${auth.mount}/login` });
    }
    this.#secrets.add(clientToken);
    if (credentialProblem(clientToken) !== undefined) {
      throw new VaultError('auth', `AppRole login at auth/${auth.mount}/login returned a client token that cannot be sent as a header (${credentialProblem(clientToken) ?? ''})`, { path: `auth/${auth.mount}/login` });
    }
    this.stats.logins += 1;
    this.debug(`vault: logged in with AppRole at auth/${auth.mount}`);
    return new Secret(clientToken);
  }

  /**
   * Unwrap a response-wrapped secret ID. The wrapping token is looked up first:
   * it must have been created by this AppRole mount's secret-id endpoint, or it
   * may be a substituted token (HashiCorp's advice for wrapped secret IDs).
   */
  private async unwrapSecretId(wrapping: Secret, mount: string): Promise<Secret> {
    const lookup = await this.request({
      method: 'POST',
      path: 'sys/wrapping/lookup',
      body: { token: this.reveal(wrapping) },
      auth: false,
      login: true,
      capability: 'update',
    }).catch((err: unknown) => {
      if (isVaultError(err, 'auth')) {
        throw new VaultError(
          'auth',
          'the response-wrapped secret ID is not valid: it was already unwrapped (a wrapping token works once) or it expired; ' +
            'unless an earlier run of yours unwrapped it, someone else may have intercepted and unwrapped it: treat the secret ID as compromised',
          {
            status: err.status,
            path: 'sys/wrapping/lookup',
            hint:
              'destroy the secret IDs of the role you cannot account for (bao list auth/approle/role/ROLE/secret-id, then secret-id-accessor/destroy), ' +
              'look in the audit log for who unwrapped it, and create a new wrapped secret ID: bao write -wrap-ttl=10m -f auth/approle/role/ROLE/secret-id',
          },
        );
      }
      throw err;
    });
    const creationPath = (lookup.body as { data?: { creation_path?: unknown } } | undefined)?.data?.creation_path;
    const expected = new RegExp(`^auth/${escapeRegExp(mount)}/role/[^/]+/(custom-)?secret-id$`);
    if (typeof creationPath !== 'string' || !expected.test(creationPath)) {
      throw new VaultError('auth', `the wrapping token was not created by auth/${mount}/role/<role>/secret-id (creation path ${JSON.stringify(creationPath)}); refusing to use it`, {
        path: 'sys/wrapping/lookup',
        hint: 'the secret ID may have been tampered with; create a new one',
      });
    }
    const res = await this.request({ method: 'POST', path: 'sys/wrapping/unwrap', token: wrapping, login: true, capability: 'update' });
    const secretId = (res.body as { data?: { secret_id?: unknown } } | undefined)?.data?.secret_id;
    if (typeof secretId !== 'string' || secretId === '') {
      throw new VaultError('auth', 'the unwrapped response holds no secret_id', { path: 'sys/wrapping/unwrap' });
    }
    this.#secrets.add(secretId);
    this.debug('vault: unwrapped the response-wrapped secret ID');
    return new Secret(secretId);
  }

  /**
   * Whether the run's token is still accepted (lookup-self), asked after a 403.
   * Concurrent 403s share one lookup; a valid answer is not kept, because the
   * token can expire or be revoked later in the same run (an invalid one is).
   */
  private tokenIsValid(): Promise<boolean> {
    if (this.#tokenValid !== undefined) return this.#tokenValid;
    const lookup = this.request({ method: 'GET', path: LOOKUP_SELF, capability: 'read' }).then(
      () => true,
      (err: unknown) => !isVaultError(err, 'denied', 'auth'),
    );
    this.#tokenValid = lookup;
    void lookup.then((valid) => {
      if (valid && this.#tokenValid === lookup) this.#tokenValid = undefined;
    });
    return lookup;
  }

  /** sys/health without token or namespace: reachability, seal and version (every state answers 200). */
  async health(): Promise<VaultHealth> {
    const res = await this.request({
      method: 'GET',
      path: 'sys/health',
      query: { standbyok: 'true', perfstandbyok: 'true', sealedcode: '200', uninitcode: '200', drsecondarycode: '200' },
      auth: false,
      namespace: false,
    });
    const b = (res.body ?? {}) as Record<string, unknown>;
    return {
      initialized: b.initialized === true,
      sealed: b.sealed === true,
      standby: b.standby === true,
      version: typeof b.version === 'string' ? b.version : 'unknown',
      clusterName: typeof b.cluster_name === 'string' ? b.cluster_name : undefined,
    };
  }

  /** auth/token/lookup-self: the token's name, policies and TTL (logs in first). */
  async lookupSelf(): Promise<TokenInfo> {
    const res = await this.request({ method: 'GET', path: LOOKUP_SELF, capability: 'read' });
    const d = ((res.body as { data?: unknown } | undefined)?.data ?? {}) as Record<string, unknown>;
    return {
      displayName: typeof d.display_name === 'string' ? d.display_name : '',
      policies: Array.isArray(d.policies) ? d.policies.filter((p): p is string => typeof p === 'string') : [],
      ttl: typeof d.ttl === 'number' ? d.ttl : 0,
      namespacePath: typeof d.namespace_path === 'string' ? d.namespace_path : '',
    };
  }

  /** sys/capabilities-self: the token's capabilities on each path (e.g. ["create","read"], ["deny"], ["root"]). */
  async capabilitiesSelf(paths: readonly string[]): Promise<Record<string, string[]>> {
    // a POST that only reads: safe to repeat
    const res = await this.request({ method: 'POST', path: 'sys/capabilities-self', body: { paths }, repeatable: true, capability: 'update' });
    const data = ((res.body as { data?: unknown } | undefined)?.data ?? {}) as Record<string, unknown>;
    const out: Record<string, string[]> = {};
    for (const p of paths) {
      const caps = data[p];
      out[p] = Array.isArray(caps) ? caps.filter((c): c is string => typeof c === 'string') : [];
    }
    return out;
  }

  /** Close the connection pool; the client cannot be used afterwards. */
  async close(): Promise<void> {
    this.#closed = true;
    const d = this.#dispatcher;
    this.#dispatcher = undefined;
    if (d !== undefined) await (await d.catch(() => undefined))?.close();
  }
}

function defaultCapability(req: VaultRequest): string {
  if (req.list === true) return 'list';
  switch (req.method) {
    case 'GET':
      return 'read';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return 'update';
  }
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { errors: [`not a Vault JSON answer: ${text.slice(0, 120).replace(/\s+/g, ' ')}`] };
  }
}

function describeNetwork(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && e.cause instanceof Error) e = e.cause;
  const code = e instanceof Error ? (e as NodeJS.ErrnoException).code : undefined;
  return code ?? (e instanceof Error ? e.name : 'network error');
}

/** A secret ID file holds the secret ID, a wrapping token, or the JSON of `bao write -wrap-ttl=… -format=json`. */
export function extractSecretId(text: string): string {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = JSON.parse(trimmed) as { wrap_info?: { token?: unknown }; data?: { secret_id?: unknown } };
      if (typeof parsed.wrap_info?.token === 'string') return parsed.wrap_info.token;
      if (typeof parsed.data?.secret_id === 'string') return parsed.data.secret_id;
    } catch {
      // not JSON after all: use the text as it is
    }
  }
  return trimmed;
}

/** A token or secret ID read from a file must be sendable as it is: a usage error (exit 2) that never shows it otherwise. */
function requireCredential(value: string, what: string): void {
  const problem = credentialProblem(value);
  if (problem !== undefined) {
    throw new EdgectlError('usage', `${what} is not a valid Vault credential: ${problem} (the value is not shown)`, {
      hint: 'a token or secret ID is one line of printable characters without spaces; write it again (bao login, or the secret ID alone)',
    });
  }
}

async function readConfigFile(path: string, source: string): Promise<string> {
  return (await readSecretFile(path, { what: source, maxBytes: 16 * 1024 * 1024 })).text;
}

async function readCaDir(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    throw new EdgectlError('precondition', `VAULT_CAPATH: cannot read directory ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const pems: string[] = [];
  for (const name of names.sort()) {
    // a FIFO or device among the certificates must not block the run: skipped like any non-PEM file
    const text = (await readSecretFile(join(dir, name), { what: 'VAULT_CAPATH', maxBytes: 16 * 1024 * 1024 }).catch(() => undefined))?.text ?? '';
    if (text.includes('-----BEGIN CERTIFICATE-----')) pems.push(text);
  }
  if (pems.length === 0) throw new EdgectlError('precondition', `VAULT_CAPATH: no PEM certificates in ${dir}`);
  return pems;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
