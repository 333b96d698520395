/**
 * The AppRole calls join codes need, over the run's VaultClient: the role ID,
 * response-wrapped single-use secret IDs, their accessors (list, look up,
 * destroy), and the host side (wrapping lookup, unwrap, login). Every secret
 * (wrapping token, secret ID, client token) stays a Secret and travels only in
 * a header or a body the client knows to scrub from its errors.
 */
import type { AppRolePort, AppRoleLogin, LoginRefusal, MintedSecretId, SecretIdInfo, UnwrappedSecretId, WrapLookup } from '../../core/ports.js';
import { Secret } from '../../core/secret.js';
import { VaultError, serverErrors } from '../../core/vault-errors.js';
import type { VaultClient } from './client.js';

type Json = Record<string, unknown>;

const data = (body: unknown): Json => ((body as { data?: unknown } | undefined)?.data ?? {}) as Json;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' && v !== '' ? v.split(',') : []);
const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && /^[0-9]+$/.test(v) ? Number(v) : 0);

/** How a refused AppRole login reads: the secret ID bound to other addresses, or no longer valid. */
export function classifyLoginRefusal(errors: readonly string[]): LoginRefusal {
  const text = errors.join(' ').toLowerCase();
  if (text.includes('cidr')) return 'cidr';
  if (text.includes('invalid secret id') || text.includes('invalid role or secret id') || text.includes('secret id')) return 'invalid-secret-id';
  return 'other';
}

/** The AppRole port of one client. */
export class AppRoleApi implements AppRolePort {
  readonly #client: VaultClient;

  constructor(client: VaultClient) {
    this.#client = client;
  }

  private rolePath(mount: string, role: string): string {
    return `auth/${mount}/role/${role}`;
  }

  async readRoleId(mount: string, role: string): Promise<string | undefined> {
    const res = await this.#client.request({ method: 'GET', path: `${this.rolePath(mount, role)}/role-id`, accept: [404] });
    if (res.status === 404) return undefined;
    const id = str(data(res.body).role_id);
    return id === '' ? undefined : id;
  }

  async mintWrappedSecretId(mount: string, role: string, opts: { ttlSeconds: number; cidrs: readonly string[]; metadata: Readonly<Record<string, string>> }): Promise<MintedSecretId> {
    const path = `${this.rolePath(mount, role)}/secret-id`;
    const body: Json = { ttl: `${opts.ttlSeconds}s`, metadata: JSON.stringify(opts.metadata) };
    if (opts.cidrs.length > 0) {
      body.cidr_list = [...opts.cidrs];
      body.token_bound_cidrs = [...opts.cidrs];
    }
    // not repeatable: a second attempt would mint a second secret ID
    const res = await this.#client.request({ method: 'POST', path, body, wrapTtl: `${opts.ttlSeconds}s`, capability: 'update', repeatable: false });
    const wrap = ((res.body as { wrap_info?: unknown } | undefined)?.wrap_info ?? {}) as Json;
    const token = str(wrap.token);
    if (token === '') throw new VaultError('bad-request', `POST ${path} with X-Vault-Wrap-TTL returned no wrapping token`, { path });
    return {
      wrapToken: new Secret(token),
      accessor: str(wrap.wrapped_accessor),
      creationTime: str(wrap.creation_time),
      ttlSeconds: num(wrap.ttl),
      creationPath: str(wrap.creation_path),
    };
  }

  async listSecretIdAccessors(mount: string, role: string): Promise<string[]> {
    const res = await this.#client.request({ method: 'GET', list: true, path: `${this.rolePath(mount, role)}/secret-id`, accept: [404] });
    if (res.status === 404) return [];
    return strings(data(res.body).keys);
  }

  async lookupSecretIdAccessor(mount: string, role: string, accessor: string): Promise<SecretIdInfo | undefined> {
    const path = `${this.rolePath(mount, role)}/secret-id-accessor/lookup`;
    const res = await this.#client.request({ method: 'POST', path, body: { secret_id_accessor: accessor }, repeatable: true, capability: 'update', accept: [404] });
    if (res.status === 404 || res.body === undefined) return undefined;
    const d = data(res.body);
    // OpenBao answers an unknown accessor with 200 and data.error ("failed to find accessor entry")
    if (typeof d.error === 'string' || str(d.secret_id_accessor) === '' && str(d.creation_time) === '') return undefined;
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries((d.metadata ?? {}) as Json)) if (typeof v === 'string') metadata[k] = v;
    return {
      accessor: str(d.secret_id_accessor) || accessor,
      creationTime: str(d.creation_time),
      expirationTime: str(d.expiration_time),
      cidrList: strings(d.cidr_list),
      tokenBoundCidrs: strings(d.token_bound_cidrs),
      usesLeft: num(d.secret_id_num_uses),
      metadata,
    };
  }

  async destroySecretIdAccessor(mount: string, role: string, accessor: string): Promise<void> {
    await this.#client.request({ method: 'POST', path: `${this.rolePath(mount, role)}/secret-id-accessor/destroy`, body: { secret_id_accessor: accessor }, repeatable: true, capability: 'update' });
  }

  async lookupWrapping(wrapToken: Secret): Promise<WrapLookup | undefined> {
    const res = await this.#client.request({
      method: 'POST',
      path: 'sys/wrapping/lookup',
      body: { token: wrapToken.reveal() },
      bodySecrets: [wrapToken],
      auth: false,
      repeatable: true,
      capability: 'update',
      accept: [400, 403, 404],
    });
    if (res.status !== 200) return undefined;
    const d = data(res.body);
    return { creationPath: str(d.creation_path), creationTime: str(d.creation_time), ttlSeconds: num(d.creation_ttl) };
  }

  async unwrapSecretId(wrapToken: Secret): Promise<UnwrappedSecretId | undefined> {
    const res = await this.#client.request({ method: 'POST', path: 'sys/wrapping/unwrap', token: wrapToken, capability: 'update', accept: [400, 403, 404] });
    if (res.status !== 200) return undefined;
    const d = data(res.body);
    const secretId = str(d.secret_id);
    if (secretId === '') throw new VaultError('bad-request', 'the unwrapped response holds no secret_id', { path: 'sys/wrapping/unwrap' });
    return { secretId: new Secret(secretId), accessor: str(d.secret_id_accessor) };
  }

  async login(mount: string, roleId: string, secretId: Secret): Promise<AppRoleLogin> {
    const path = `auth/${mount}/login`;
    const res = await this.#client.request({
      method: 'POST',
      path,
      body: { role_id: roleId, secret_id: secretId.reveal() },
      bodySecrets: [secretId],
      auth: false,
      capability: 'create',
      accept: [400, 403],
    });
    if (res.status !== 200) return { kind: 'refused', refusal: classifyLoginRefusal(serverErrors(res.body)) };
    const auth = ((res.body as { auth?: unknown } | undefined)?.auth ?? {}) as Json;
    const token = str(auth.client_token);
    if (token === '') throw new VaultError('auth', `AppRole login at ${path} returned no client token`, { path });
    const clientToken = new Secret(token);
    // remembered by the client: no later error of this run can quote it
    this.#client.rememberSecret(clientToken);
    return { kind: 'ok', clientToken, ttlSeconds: num(auth.lease_duration) };
  }
}
