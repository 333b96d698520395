/**
 * Vault administration over the client (the VaultAdmin port): secrets engine
 * mounts (sys/mounts), auth methods (sys/auth), ACL policies
 * (sys/policies/acl/NAME) and AppRole roles (auth/<mount>/role/NAME). Every
 * name is checked before it becomes part of a path; failures come from the
 * client's error mapping (exit 4/5/6).
 */
import { usageError } from '../../core/errors.js';
import type { AppRoleSettings, VaultAdmin, VaultMountEntry } from '../../core/ports.js';
import { mountProblem } from '../../core/vault-layout.js';
import type { VaultClient } from './client.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const ENGINE_TYPE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function checkMount(path: string, what: string): string {
  const problem = mountProblem(path);
  if (problem !== undefined) throw usageError(`invalid ${what} path ${JSON.stringify(path.slice(0, 80))}: ${problem}`);
  return path;
}

function checkName(name: string, what: string): string {
  if (!NAME.test(name)) throw usageError(`invalid ${what} name ${JSON.stringify(name.slice(0, 80))}: letters, digits, "_", "." and "-", at most 128`);
  return name;
}

function checkType(type: string): string {
  if (!ENGINE_TYPE.test(type)) throw usageError(`invalid engine type ${JSON.stringify(type.slice(0, 80))}`);
  return type;
}

/** The `data` object of a Vault answer (older servers also repeat it at the top level). */
function dataOf(body: unknown): Record<string, unknown> {
  const b = (body ?? {}) as Record<string, unknown>;
  const d = b.data;
  return typeof d === 'object' && d !== null && !Array.isArray(d) ? (d as Record<string, unknown>) : b;
}

/** sys/mounts or sys/auth as path (without "/") → type and options. */
function mountTable(body: unknown): Record<string, VaultMountEntry> {
  const out: Record<string, VaultMountEntry> = {};
  for (const [key, value] of Object.entries(dataOf(body))) {
    if (!key.endsWith('/') || typeof value !== 'object' || value === null) continue;
    const v = value as { type?: unknown; options?: unknown };
    const options: Record<string, string> = {};
    if (typeof v.options === 'object' && v.options !== null) {
      for (const [k, o] of Object.entries(v.options as Record<string, unknown>)) if (typeof o === 'string') options[k] = o;
    }
    out[key.slice(0, -1)] = { type: typeof v.type === 'string' ? v.type : 'unknown', options };
  }
  return out;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : 0);

export class VaultSys implements VaultAdmin {
  readonly #client: VaultClient;

  constructor(client: VaultClient) {
    this.#client = client;
  }

  async listMounts(): Promise<Record<string, VaultMountEntry>> {
    return mountTable((await this.#client.request({ method: 'GET', path: 'sys/mounts', capability: 'read' })).body);
  }

  async enableMount(path: string, mount: { type: string; options?: Record<string, string> }): Promise<void> {
    const body = { type: checkType(mount.type), ...(mount.options === undefined ? {} : { options: mount.options }) };
    await this.#client.request({ method: 'POST', path: `sys/mounts/${checkMount(path, 'mount')}`, body, capability: 'update' });
  }

  async listAuthMethods(): Promise<Record<string, VaultMountEntry>> {
    return mountTable((await this.#client.request({ method: 'GET', path: 'sys/auth', capability: 'read' })).body);
  }

  async enableAuthMethod(path: string, type: string): Promise<void> {
    await this.#client.request({ method: 'POST', path: `sys/auth/${checkMount(path, 'auth method')}`, body: { type: checkType(type) }, capability: 'sudo' });
  }

  async readPolicy(name: string): Promise<string | undefined> {
    const res = await this.#client.request({ method: 'GET', path: `sys/policies/acl/${checkName(name, 'policy')}`, accept: [404] });
    if (res.status === 404) return undefined;
    const policy = dataOf(res.body).policy;
    return typeof policy === 'string' ? policy : undefined;
  }

  async writePolicy(name: string, hcl: string): Promise<void> {
    // the same body twice writes the same policy: safe to repeat
    await this.#client.request({ method: 'PUT', path: `sys/policies/acl/${checkName(name, 'policy')}`, body: { policy: hcl }, repeatable: true, capability: 'update' });
  }

  async readAppRole(mount: string, name: string): Promise<AppRoleSettings | undefined> {
    const res = await this.#client.request({ method: 'GET', path: `auth/${checkMount(mount, 'auth method')}/role/${checkName(name, 'AppRole role')}`, accept: [404] });
    if (res.status === 404) return undefined;
    const d = dataOf(res.body);
    const policies = Array.isArray(d.token_policies) ? d.token_policies.filter((p): p is string => typeof p === 'string') : [];
    return {
      token_policies: policies,
      token_ttl: num(d.token_ttl),
      token_max_ttl: num(d.token_max_ttl),
      secret_id_num_uses: num(d.secret_id_num_uses),
      secret_id_ttl: num(d.secret_id_ttl),
      bind_secret_id: d.bind_secret_id === true,
      token_type: typeof d.token_type === 'string' ? d.token_type : '',
      token_no_default_policy: d.token_no_default_policy === true,
    };
  }

  async writeAppRole(mount: string, name: string, body: Readonly<Record<string, unknown>>): Promise<void> {
    // a role write sets the same settings again when repeated
    await this.#client.request({ method: 'POST', path: `auth/${checkMount(mount, 'auth method')}/role/${checkName(name, 'AppRole role')}`, body, repeatable: true, capability: 'update' });
  }

  async readRoleId(mount: string, name: string): Promise<string | undefined> {
    const res = await this.#client.request({ method: 'GET', path: `auth/${checkMount(mount, 'auth method')}/role/${checkName(name, 'AppRole role')}/role-id`, accept: [404] });
    if (res.status === 404) return undefined;
    const id = dataOf(res.body).role_id;
    return typeof id === 'string' ? id : undefined;
  }
}
