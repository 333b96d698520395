/**
 * Validation of `rke2 join-code` flags, all problems at once (a usage error,
 * exit 2, before any Vault call): TTL, count, CIDRs, accessors, out.
 */
import { isIP } from 'node:net';
import { parseGoDurationSeconds } from './go-duration.js';

export const MAX_JOIN_CODE_TTL_SECONDS = 24 * 3600;
export const MIN_JOIN_CODE_TTL_SECONDS = 60;
export const DEFAULT_JOIN_CODE_TTL = '1h';
export const MAX_JOIN_CODE_COUNT = 1000;

const ACCESSOR = /^[A-Za-z0-9-]{1,128}$/;

/** Seconds of a --ttl value, or a problem: 1m to 24h (the roles' secret_id_ttl). */
export function joinCodeTtl(text: string): { seconds: number } | { problem: string } {
  const seconds = parseGoDurationSeconds(text);
  if (seconds === undefined || !Number.isInteger(seconds)) return { problem: `--ttl: expected a duration like 30m, 1h or 24h, got ${JSON.stringify(text.slice(0, 40))}` };
  if (seconds < MIN_JOIN_CODE_TTL_SECONDS || seconds > MAX_JOIN_CODE_TTL_SECONDS) return { problem: `--ttl: must be between 1m and 24h (the secret ID's own TTL), got ${text}` };
  return { seconds };
}

/** Why a CIDR (IPv4 or IPv6 with a prefix; a bare address counts as /32 or /128) is malformed, or undefined. */
export function cidrProblem(text: string): string | undefined {
  const [addr, prefix, extra] = text.split('/');
  if (extra !== undefined || addr === undefined) return `--bind-cidr: ${JSON.stringify(text.slice(0, 60))} is not a CIDR`;
  const family = isIP(addr);
  if (family === 0) return `--bind-cidr: ${JSON.stringify(text.slice(0, 60))} is not a CIDR (no IP address before the /)`;
  if (prefix === undefined) return undefined;
  const max = family === 4 ? 32 : 128;
  if (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > max) return `--bind-cidr: prefix of ${JSON.stringify(text.slice(0, 60))} must be 0 to ${max}`;
  return undefined;
}

/** Why a secret ID accessor given on the command line is malformed, or undefined. */
export function accessorProblem(text: string): string | undefined {
  return ACCESSOR.test(text) ? undefined : `--accessor: ${JSON.stringify(text.slice(0, 60))} is not a secret ID accessor (letters, digits and "-")`;
}

/** Whether an accessor looks like one (for names derived from it). */
export function isAccessor(text: string): boolean {
  return ACCESSOR.test(text);
}
