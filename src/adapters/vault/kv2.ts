/**
 * KV version 2, exactly: check-and-set writes, reads that tell "absent" from
 * "soft-deleted/destroyed", metadata reads and JSON merge patches, LIST (404 =
 * no keys), delete of all versions, and a check that the mount really is KV v2
 * (a write to <mount>/data/… on a KV v1 mount would silently store a secret at
 * a literal "data/…" key).
 */
import { parseGoDurationSeconds } from '../../core/go-duration.js';
import { kvDataPath, kvMetadataPath } from '../../core/vault-layout.js';
import type { VaultClient } from './client.js';
import type { KvMetadata, KvMountConfig, KvReadResult, KvStore, KvVersionInfo, MountInfo } from '../../core/ports.js';

export type { KvMetadata, KvMountConfig, KvReadResult, KvVersionInfo, MountInfo };
import { VaultError, isVaultError, serverErrors } from '../../core/vault-errors.js';
import { checkTokenNamespace } from './token-namespace.js';

/** A KV v2 mount, addressed by paths inside it (e.g. "rke2/rke2-abc12345"). */
export class Kv2 implements KvStore {
  readonly client: VaultClient;
  readonly mount: string;
  #checked: Promise<void> | undefined;

  constructor(client: VaultClient, mount: string) {
    this.client = client;
    this.mount = mount;
  }

  /** The API path of a secret's data, e.g. kv/data/rke2/x. */
  dataPath(path: string): string {
    return kvDataPath(this.mount, path);
  }

  /** The API path of a secret's metadata, e.g. kv/metadata/rke2/x. */
  metadataPath(path: string): string {
    return kvMetadataPath(this.mount, path);
  }

  /** What the server says the mount is (any capability under the mount suffices to ask). */
  async mountInfo(): Promise<MountInfo> {
    const path = `sys/internal/ui/mounts/${this.mount}`;
    let body: unknown;
    try {
      body = (await this.client.request({ method: 'GET', path, capability: 'read (on any path under the mount)' })).body;
    } catch (err) {
      // Vault answers 403 both for a mount that does not exist and for a token with no policy under it
      if (isVaultError(err, 'denied', 'not-found') && (err.status === 403 || err.status === 404)) {
        const wrongNamespace = await checkTokenNamespace(this.client);
        if (wrongNamespace !== undefined) throw wrongNamespace;
        throw new VaultError('not-found', `KV mount "${this.mount}/" does not exist${this.inNs()}, or this token has no policy on any path under it`, {
          status: err.status,
          path,
          hint: `enable it (bao secrets enable -path=${this.mount} kv-v2), pass --vault-mount / EDGECTL_VAULT_MOUNT, or grant the token its policy`,
        });
      }
      throw err;
    }
    const d = ((body as { data?: unknown } | undefined)?.data ?? {}) as { path?: unknown; type?: unknown; options?: { version?: unknown } | null };
    return {
      path: typeof d.path === 'string' ? d.path : '',
      type: typeof d.type === 'string' ? d.type : 'unknown',
      version: typeof d.options?.version === 'string' ? d.options.version : undefined,
    };
  }

  /** Throw a kv-version error unless the mount is KV v2 (checked once per run, before the first KV call). */
  ensureV2(): Promise<void> {
    this.#checked ??= this.mountInfo().then((info) => {
      // a mount of a child namespace ("site-1/kv" under namespace team-a) is reported with its full namespace path
      const ns = this.client.config.namespace;
      const reported = info.path.replace(/\/+$/, '');
      const mountPath = ns !== undefined && reported.startsWith(`${ns}/`) ? reported.slice(ns.length + 1) : reported;
      if (mountPath !== '' && mountPath !== this.mount) {
        throw new VaultError('not-found', `"${this.mount}" is not a mount${this.inNs()}: it is a path inside the mount "${mountPath}/"`, {
          hint: `pass --vault-mount ${mountPath}`,
        });
      }
      if (info.type !== 'kv' && info.type !== 'generic') {
        throw new VaultError('kv-version', `mount "${this.mount}/"${this.inNs()} is a ${info.type} secrets engine, not KV version 2`, {
          hint: 'pass the KV v2 mount with --vault-mount or EDGECTL_VAULT_MOUNT',
        });
      }
      if (info.version !== '2') {
        throw new VaultError('kv-version', `mount "${this.mount}/"${this.inNs()} is KV version 1; edgectl needs KV version 2 (versions, check-and-set, metadata)`, {
          hint: `upgrade it in place (bao kv enable-versioning ${this.mount}/) or use another mount with --vault-mount`,
        });
      }
    });
    return this.#checked;
  }

  /** Read a secret (latest, or one version): found, absent, or deleted/destroyed. */
  async read<T = Record<string, unknown>>(path: string, opts: { version?: number } = {}): Promise<KvReadResult<T>> {
    await this.ensureV2();
    const res = await this.client.request({
      method: 'GET',
      path: this.dataPath(path),
      ...(opts.version === undefined ? {} : { query: { version: String(opts.version) } }),
      accept: [404],
    });
    const d = (res.body as { data?: { data?: unknown; metadata?: unknown } | null } | undefined)?.data;
    const meta = d?.metadata as Record<string, unknown> | null | undefined;
    if (meta === undefined || meta === null) return { kind: 'absent' };
    const info = versionInfo(meta);
    if (d?.data === null || d?.data === undefined || this.isDeleted(info)) return { kind: 'deleted', info };
    return { kind: 'found', data: d.data as T, info, customMetadata: stringRecord(meta.custom_metadata) };
  }

  /**
   * Write a new version with check-and-set: cas 0 creates only if absent, cas N
   * only if the current version is N. Safe to retry (a repeat fails the check
   * instead of overwriting); a retried write whose first attempt had landed is
   * recognised by reading back the same data at version cas+1.
   */
  async write(path: string, data: Record<string, unknown>, opts: { cas: number }): Promise<{ version: number }> {
    await this.ensureV2();
    const apiPath = this.dataPath(path);
    const res = await this.client.request({
      method: 'POST',
      path: apiPath,
      body: { options: { cas: opts.cas }, data },
      capability: opts.cas === 0 ? 'create' : 'update',
      repeatable: true,
      accept: [400],
    });
    if (res.status === 400) {
      const errors = serverErrors(res.body);
      if (!errors.some((e) => e.includes('check-and-set parameter did not match'))) {
        throw new VaultError('bad-request', `Vault rejected the write to ${apiPath}: ${errors.join('; ') || 'HTTP 400'}`, { status: 400, path: apiPath });
      }
      if (res.retries > 0) {
        const now = await this.read(path);
        if (now.kind === 'found' && now.info.version === opts.cas + 1 && sameJson(now.data, data)) return { version: now.info.version };
      }
      throw new VaultError('cas-conflict', `check-and-set conflict on ${apiPath}: ${opts.cas === 0 ? 'it already exists' : `it is no longer at version ${opts.cas}`}`, {
        status: 400,
        path: apiPath,
      });
    }
    const version = (res.body as { data?: { version?: unknown } } | undefined)?.data?.version;
    if (typeof version !== 'number') throw new VaultError('bad-request', `Vault answered the write to ${apiPath} without a version`, { path: apiPath });
    return { version };
  }

  /** A secret's metadata (all versions, custom_metadata), or undefined when there is none. */
  async readMetadata(path: string): Promise<KvMetadata | undefined> {
    await this.ensureV2();
    const res = await this.client.request({ method: 'GET', path: this.metadataPath(path), accept: [404] });
    if (res.status === 404) return undefined;
    return parseMetadata((res.body as { data?: unknown } | undefined)?.data);
  }

  /** The mount's settings, or undefined when the token may not read <mount>/config. */
  async readConfig(): Promise<KvMountConfig | undefined> {
    await this.ensureV2();
    let res;
    try {
      res = await this.client.request({ method: 'GET', path: `${this.mount}/config` });
    } catch (err) {
      if (isVaultError(err, 'denied') && err.status === 403) return undefined;
      throw err;
    }
    const d = ((res.body as { data?: unknown } | undefined)?.data ?? {}) as Record<string, unknown>;
    return { maxVersions: num(d.max_versions), casRequired: d.cas_required === true, deleteVersionAfter: durationSeconds(d.delete_version_after) };
  }

  /**
   * The keys under a folder with each key's metadata, from OpenBao's
   * detailed-metadata LIST, fetched in pages of `pageSize` (limit/after).
   * One request per page instead of one per key. Resolves to undefined when
   * the server has no such endpoint (HashiCorp Vault) or the policy does not
   * grant list on <mount>/detailed-metadata/…: callers then read metadata per key.
   */
  async listDetailed(folder: string, opts: { pageSize?: number } = {}): Promise<Array<{ key: string; metadata: KvMetadata }> | undefined> {
    await this.ensureV2();
    const pageSize = opts.pageSize ?? 1000;
    const out: Array<{ key: string; metadata: KvMetadata }> = [];
    let after: string | undefined;
    for (;;) {
      let res;
      try {
        res = await this.client.request({
          method: 'GET',
          list: true,
          path: `${this.mount}/detailed-metadata/${folder}`,
          query: { limit: String(pageSize), ...(after === undefined ? {} : { after }) },
          accept: [404, 405],
        });
      } catch (err) {
        if (isVaultError(err, 'denied') && err.status === 403) return undefined;
        throw err;
      }
      const body = res.body as { data?: { keys?: unknown; key_info?: unknown } | null; warnings?: unknown } | undefined;
      if (res.status === 405 || (res.status === 404 && Array.isArray(body?.warnings) && body.warnings.length > 0)) return undefined; // no such endpoint
      if (res.status === 404) return out; // no keys (left)
      const keys = Array.isArray(body?.data?.keys) ? body.data.keys.filter((k): k is string => typeof k === 'string') : [];
      const info = (typeof body?.data?.key_info === 'object' && body.data.key_info !== null ? body.data.key_info : {}) as Record<string, unknown>;
      for (const key of keys) out.push({ key, metadata: parseMetadata(info[key]) });
      const last = keys.at(-1);
      // a short page is the last; a server ignoring limit/after returns everything at once, never a repeat
      if (keys.length < pageSize || last === undefined || (after !== undefined && last <= after)) return dedupe(out);
      after = last;
    }
  }

  /** JSON-merge-patch a secret's metadata (custom_metadata keys set to null are removed). The secret must exist. */
  async patchMetadata(path: string, patch: { custom_metadata?: Record<string, string | null>; max_versions?: number }): Promise<void> {
    await this.ensureV2();
    await this.client.request({
      method: 'PATCH',
      path: this.metadataPath(path),
      body: patch,
      contentType: 'application/merge-patch+json',
      capability: 'patch',
    });
  }

  /** The keys directly under a folder ("x" for a secret, "x/" for a sub-folder); [] when there are none (Vault's 404). */
  async list(folder: string): Promise<string[]> {
    await this.ensureV2();
    const res = await this.client.request({ method: 'GET', list: true, path: this.metadataPath(folder), accept: [404] });
    if (res.status === 404) return [];
    const keys = (res.body as { data?: { keys?: unknown } } | undefined)?.data?.keys;
    return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
  }

  /** Delete a secret completely: every version and its metadata (DELETE on metadata/). */
  async deleteAll(path: string): Promise<void> {
    await this.ensureV2();
    await this.client.request({ method: 'DELETE', path: this.metadataPath(path), capability: 'delete' });
  }

  /** Whether a version is gone now: destroyed, or deleted at a time not in the future (by the run's clock). */
  isDeleted(info: KvVersionInfo): boolean {
    return versionIsDeleted(info, this.client.now());
  }

  private inNs(): string {
    const ns = this.client.config.namespace;
    return ns === undefined ? '' : ` in namespace "${ns}"`;
  }
}

/**
 * Whether a version is deleted at `nowMs`. KV v2 sets deletion_time in the
 * future when delete_version_after applies: the data is served until then. An
 * unparsable time counts as deleted (the server said it was deleted).
 */
export function versionIsDeleted(info: KvVersionInfo, nowMs: number): boolean {
  if (info.destroyed) return true;
  if (info.deletionTime === '') return false;
  const at = Date.parse(info.deletionTime);
  return Number.isNaN(at) || at <= nowMs;
}

function parseMetadata(data: unknown): KvMetadata {
  const d = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  const versions: Record<string, KvVersionInfo> = {};
  if (typeof d.versions === 'object' && d.versions !== null) {
    for (const [n, v] of Object.entries(d.versions as Record<string, unknown>)) {
      versions[n] = versionInfo({ ...(v as Record<string, unknown>), version: Number(n) });
    }
  }
  return {
    currentVersion: num(d.current_version),
    oldestVersion: num(d.oldest_version),
    createdTime: str(d.created_time),
    updatedTime: str(d.updated_time),
    customMetadata: stringRecord(d.custom_metadata),
    versions,
    maxVersions: num(d.max_versions),
    casRequired: d.cas_required === true,
    deleteVersionAfter: durationSeconds(d.delete_version_after),
  };
}

// Vault reports Go durations ("8760h0m0s"); an unreadable one is 0 (edgectl only warns on it)
const durationSeconds = (v: unknown): number => (typeof v === 'number' ? v : typeof v === 'string' ? (parseGoDurationSeconds(v) ?? 0) : 0);

function dedupe(entries: Array<{ key: string; metadata: KvMetadata }>): Array<{ key: string; metadata: KvMetadata }> {
  const seen = new Set<string>();
  return entries.filter((e) => (seen.has(e.key) ? false : (seen.add(e.key), true)));
}

function versionInfo(m: Record<string, unknown>): KvVersionInfo {
  return { version: num(m.version), createdTime: str(m.created_time), deletionTime: str(m.deletion_time), destroyed: m.destroyed === true };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function stringRecord(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v !== 'object' || v === null) return out;
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) if (typeof val === 'string') out[k] = val;
  return out;
}

function sameJson(a: unknown, b: unknown): boolean {
  const canon = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canon)
      : typeof v === 'object' && v !== null
        ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)).map(([k, x]) => [k, canon(x)]))
        : v;
  return JSON.stringify(canon(a)) === JSON.stringify(canon(b));
}
