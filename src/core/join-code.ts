/**
 * Join codes: what one host needs to join a cluster with no Vault credential of
 * its own, in one compact, versioned text. Nothing in a code lives long: it holds
 * a response-wrapped, single-use AppRole secret ID (the wrapping token expires
 * after the code's TTL) and the public facts around it.
 *
 * Format (version 1):
 *
 *   edgectl-join-v1.<base64url of the UTF-8 JSON below, no padding>
 *
 *   { "v": 1, "addr": "https://vault:8200", "ns": "", "kv": "kv", "approle": "approle",
 *     "cluster": "rke2-abc12345", "role": "agent", "role_id": "…",
 *     "wrap": "<wrapping token>", "exp": "2026-12-02T05:00:00Z", "ca": "<PEM, optional>" }
 *
 * The whole text is a secret (the wrapping token unwraps the secret ID once), so
 * it is a `Secret` from the moment it is parsed or encoded. Vault itself enforces
 * single use and expiry; the fields here only let a host find the way and refuse a
 * malformed or mismatched code before it changes anything.
 *
 * The AppRole roles and policies a code refers to are named by the functions below
 * (`vault setup` writes them, `join-code` mints for them, a join checks them).
 */
import { clusterIdProblem } from './cluster-id.js';
import { usageError } from './errors.js';
import { Secret } from './secret.js';
import { mountProblem } from './vault-layout.js';

export const JOIN_CODE_PREFIX = 'edgectl-join-v1.';
export const JOIN_CODE_VERSION = 1;
export type JoinRole = 'server' | 'agent';
export const JOIN_ROLES: readonly JoinRole[] = ['server', 'agent'];

/** A parsed join code. `wrapToken` stays a Secret; everything else is public. */
export interface JoinCode {
  version: 1;
  vaultAddr: string;
  /** Vault namespace, '' for the root namespace */
  namespace: string;
  kvMount: string;
  approleMount: string;
  clusterId: string;
  role: JoinRole;
  roleId: string;
  wrapToken: Secret;
  /** RFC 3339: when the wrapping token expires */
  expiresAt: string;
  /** PEM of the CA that signs Vault's certificate, when the minting side used one */
  caPem?: string;
}

/** AppRole role a cluster's hosts of one role log in with, e.g. edgectl-rke2-abc12345-agent. */
export function appRoleName(clusterId: string, role: JoinRole): string {
  return `edgectl-${clusterId}-${role}`;
}

/** ACL policy a cluster's hosts of one role get, e.g. edgectl-rke2-abc12345-agent. */
export function clusterPolicyName(clusterId: string, role: JoinRole): string {
  return `edgectl-${clusterId}-${role}`;
}

/** Cluster-independent policies `vault setup` writes. */
export const OPERATOR_POLICY = 'edgectl-operator';
export const BOOTSTRAP_POLICY = 'edgectl-bootstrap';

/** The Vault path a genuine code's wrapping token was created by (sys/wrapping/lookup creation_path). */
export function secretIdCreationPath(approleMount: string, clusterId: string, role: JoinRole): string {
  return `auth/${approleMount}/role/${appRoleName(clusterId, role)}/secret-id`;
}

const WRAP_TOKEN = /^[A-Za-z0-9._-]{8,512}$/;
const ROLE_ID = /^[A-Za-z0-9._-]{1,128}$/;
const NAMESPACE = /^(?:[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_-]+)*)?$/;
const MAX_CODE_CHARS = 16_384;

/** Encode a join code as its text (a Secret: it carries the wrapping token). */
export function encodeJoinCode(code: JoinCode): Secret {
  const body: Record<string, unknown> = {
    v: JOIN_CODE_VERSION,
    addr: code.vaultAddr,
    ns: code.namespace,
    kv: code.kvMount,
    approle: code.approleMount,
    cluster: code.clusterId,
    role: code.role,
    role_id: code.roleId,
    wrap: code.wrapToken.reveal(),
    exp: code.expiresAt,
  };
  if (code.caPem !== undefined) body.ca = code.caPem;
  return new Secret(JOIN_CODE_PREFIX + Buffer.from(JSON.stringify(body), 'utf8').toString('base64url'));
}

/** Why a code text is malformed (never echoing the text), or undefined. */
function bodyProblem(body: Record<string, unknown>): string | undefined {
  const str = (k: string): string | undefined => (typeof body[k] === 'string' ? (body[k] as string) : undefined);
  if (body.v !== JOIN_CODE_VERSION) return `unsupported version ${JSON.stringify(body.v)} (this edgectl reads version ${JOIN_CODE_VERSION})`;
  const addr = str('addr');
  if (addr === undefined) return 'no Vault address';
  let url: URL;
  try {
    url = new URL(addr);
  } catch {
    return 'the Vault address is not a URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'the Vault address is not http(s)';
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return 'the Vault address carries credentials, a query or a fragment';
  const ns = str('ns');
  if (ns === undefined || !NAMESPACE.test(ns)) return 'bad namespace';
  for (const k of ['kv', 'approle']) {
    const m = str(k);
    if (m === undefined || mountProblem(m) !== undefined) return `bad ${k} mount`;
  }
  const cluster = str('cluster');
  if (cluster === undefined || clusterIdProblem(cluster) !== undefined) return 'bad cluster ID';
  const role = str('role');
  if (role !== 'server' && role !== 'agent') return 'role is neither server nor agent';
  const roleId = str('role_id');
  if (roleId === undefined || !ROLE_ID.test(roleId)) return 'bad role ID';
  const wrap = str('wrap');
  if (wrap === undefined || !WRAP_TOKEN.test(wrap)) return 'bad wrapping token';
  const exp = str('exp');
  if (exp === undefined || Number.isNaN(Date.parse(exp))) return 'bad expiry time';
  const ca = body.ca;
  if (ca !== undefined && (typeof ca !== 'string' || !ca.includes('-----BEGIN CERTIFICATE-----'))) return 'bad CA certificate';
  return undefined;
}

/**
 * Parse a code's text (surrounding whitespace ignored). A usage error (exit 2)
 * when it is not a well-formed version-1 code; the message never contains the text.
 */
export function parseJoinCode(text: Secret, source = 'the join code'): JoinCode {
  const raw = text.reveal().trim();
  const fail = (why: string): never => {
    throw usageError(`${source} is not a valid edgectl join code: ${why}`, 'a join code is one line starting with edgectl-join-v1. (made by `edgectl rke2 join-code`)');
  };
  if (raw.length > MAX_CODE_CHARS) fail(`longer than ${MAX_CODE_CHARS} characters`);
  if (!raw.startsWith(JOIN_CODE_PREFIX)) {
    const m = /^edgectl-join-v(\d+)\./.exec(raw);
    fail(m !== null ? `version ${m[1]} (this edgectl reads version ${JOIN_CODE_VERSION})` : `it does not start with ${JOIN_CODE_PREFIX}`);
  }
  const payload = raw.slice(JOIN_CODE_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(payload)) fail('the payload is not base64url');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    fail('the payload is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return fail('the payload is not an object');
  const record = body as Record<string, unknown>;
  const problem = bodyProblem(record);
  if (problem !== undefined) fail(problem);
  const code: JoinCode = {
    version: 1,
    vaultAddr: (record.addr as string).replace(/\/+$/, ''),
    namespace: record.ns as string,
    kvMount: record.kv as string,
    approleMount: record.approle as string,
    clusterId: record.cluster as string,
    role: record.role as JoinRole,
    roleId: record.role_id as string,
    wrapToken: new Secret(record.wrap as string),
    expiresAt: record.exp as string,
  };
  if (typeof record.ca === 'string') code.caPem = record.ca;
  return code;
}
