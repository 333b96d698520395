/**
 * RKE2 join tokens. The full ("secure") form is K10<sha256 of the cluster CA
 * bundle>::<username>:<password>; the hash lets a joining node check that the
 * server it talks to is the cluster it means to join.
 */
import { EdgectlError } from './errors.js';
import { Secret } from './secret.js';

export interface ParsedToken {
  /** sha256 hex of the CA bundle served at /cacerts, when the token is in full form */
  caHash: string | undefined;
  username: string | undefined;
}

const FULL = /^K10([0-9a-f]{64})::([^:\s]+):(\S+)$/;

/** Parse a token without ever putting its value in an error message. */

export function parseJoinToken(secret: string | Secret): ParsedToken {
  const token = typeof secret === 'string' ? secret : secret.reveal();
  const t = token.trim();
  if (t === '' || /\s/.test(t)) throw new EdgectlError('precondition', 'the join token is empty or contains whitespace');
  const m = FULL.exec(t);
  if (m) return { caHash: m[1], username: m[2] };
  if (t.startsWith('K10')) {
    throw new EdgectlError('precondition', 'the join token starts with K10 but is not in the form K10<sha256>::<user>:<password>');
  }
  // a short token (the password part only) is valid for RKE2 but carries no CA hash
  return { caHash: undefined, username: undefined };
}

/** A token with everything after the CA hash replaced, safe to show. */
export function redactToken(token: string): string {
  const m = FULL.exec(token.trim());
  return m ? `K10${(m[1] ?? '').slice(0, 8)}…::<redacted>` : '<redacted>';
}

/**
 * How a node's token compares with the cluster's token in Vault:
 * current (the same), older (an earlier version in Vault: the cluster was
 * rotated since), unpublished (same CA, in no kept version: a rotation on this
 * node that never reached Vault), foreign (another cluster's CA hash).
 */
export type TokenStanding = 'current' | 'older' | 'unpublished' | 'foreign';

/** Classify a local token against Vault's current token and the tokens of its older kept versions. */
export function classifyLocalToken(local: string, currentSecret: string | Secret, olderSecrets: readonly (string | Secret)[]): TokenStanding {
  const plain = (t: string | Secret): string => (typeof t === 'string' ? t : t.reveal());
  const current = plain(currentSecret);
  const older = olderSecrets.map(plain);
  const l = local.trim();
  if (l === current.trim()) return 'current';
  if (older.some((t) => t.trim() === l)) return 'older';
  const hash = (t: string): string | undefined => FULL.exec(t.trim())?.[1];
  const a = hash(l);
  const b = hash(current);
  if (a !== undefined && b !== undefined && a !== b) return 'foreign';
  return 'unpublished';
}
