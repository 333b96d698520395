/**
 * The join session: after a join code's login succeeded, the short-lived
 * Vault token is kept in a root-only 0600 file with the code's accessor and
 * expiry, so that a re-run with the same code after a crash continues within
 * the token's TTL instead of failing on the already-used code. Removed when
 * the join succeeds.
 */
import { createHash } from 'node:crypto';
import type { JoinCode, JoinRole } from './join-code.js';
import { Secret } from './secret.js';

export const JOIN_SESSION_FILE = '/etc/edgectl/join-session';
/** The CA of a join code, when it carried one and VAULT_CACERT is not set (0644: trust, not a secret). */
export const JOIN_CODE_CA_FILE = '/etc/edgectl/vault-ca.pem';

export interface JoinSession {
  /** sha256 of the code's wrapping token: ties the session to one code without keeping the code */
  codeSha256: string;
  clusterId: string;
  role: JoinRole;
  accessor: string;
  /** RFC 3339: when the Vault token expires */
  expiresAt: string;
  token: Secret;
}

/** The fingerprint of a code that a session is tied to. */
export function joinCodeFingerprint(code: JoinCode): string {
  return createHash('sha256').update(code.wrapToken.reveal()).digest('hex');
}

/** The session file's text (a Secret: it holds the token). */
export function encodeJoinSession(s: JoinSession): Secret {
  return new Secret(`${JSON.stringify({ v: 1, code_sha256: s.codeSha256, cluster: s.clusterId, role: s.role, accessor: s.accessor, expires_at: s.expiresAt, token: s.token.reveal() })}\n`);
}

/** A session file's content, or undefined when it is not one (a corrupt file is ignored, then replaced). */
export function parseJoinSession(text: string): JoinSession | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const fields = ['code_sha256', 'cluster', 'role', 'accessor', 'expires_at', 'token'];
  if (b.v !== 1 || fields.some((f) => typeof b[f] !== 'string') || (b.role !== 'agent' && b.role !== 'server')) return undefined;
  if (!/^[A-Za-z0-9._-]{8,512}$/.test(b.token as string)) return undefined;
  return { codeSha256: b.code_sha256 as string, clusterId: b.cluster as string, role: b.role, accessor: b.accessor as string, expiresAt: b.expires_at as string, token: new Secret(b.token as string) };
}

/** Whether a session continues this code's join at time now (same code, role, and a token that lives at least a minute more). */
export function sessionContinues(s: JoinSession, code: JoinCode, now: Date): boolean {
  return s.codeSha256 === joinCodeFingerprint(code) && s.clusterId === code.clusterId && s.role === code.role && Date.parse(s.expiresAt) - now.getTime() > 60_000;
}
