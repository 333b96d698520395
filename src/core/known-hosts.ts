/**
 * OpenSSH known_hosts: is this host key the one on record? Pure (the caller
 * reads and appends the file). Host patterns as OpenSSH writes them: `name`,
 * `name,10.0.0.5`, `[name]:2222` for a port other than 22, and hashed entries
 * `|1|base64(salt)|base64(HMAC-SHA1(salt, host))`. Wildcards, negations and
 * @cert-authority/@revoked markers are not supported: such lines never match
 * (a @revoked key is refused).
 */
import { createHash, createHmac } from 'node:crypto';

export type HostKeyVerdict =
  /** the key is on record for this host */
  | { kind: 'known' }
  /** no key of this type on record for this host */
  | { kind: 'unknown' }
  /** a different key of the same type is on record: possibly an attack, always refused */
  | { kind: 'changed'; line: number }
  /** the key is marked @revoked */
  | { kind: 'revoked'; line: number };

/** How a host appears in known_hosts: `addr` on port 22, `[addr]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function hashedMatches(pattern: string, name: string): boolean {
  const m = /^\|1\|([A-Za-z0-9+/=]+)\|([A-Za-z0-9+/=]+)$/.exec(pattern);
  if (m === null || m[1] === undefined || m[2] === undefined) return false;
  const mac = createHmac('sha1', Buffer.from(m[1], 'base64')).update(name).digest('base64');
  return mac === m[2];
}

function patternMatches(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) return hashedMatches(patterns, name);
  return patterns.split(',').some((p) => p === name);
}

/**
 * Check a host key (its type, e.g. ssh-ed25519, and its base64 blob) against
 * the text of a known_hosts file.
 */
export function checkHostKey(knownHosts: string, address: string, port: number, keyType: string, keyBase64: string): HostKeyVerdict {
  const name = knownHostsName(address, port);
  let changed: number | undefined;
  const lines = knownHosts.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let marker: string | undefined;
    if (fields[0]?.startsWith('@') === true) marker = fields.shift();
    const [patterns, type, blob] = fields;
    if (patterns === undefined || type === undefined || blob === undefined) continue;
    if (!patternMatches(patterns, name)) continue;
    if (marker === '@revoked') {
      if (blob === keyBase64) return { kind: 'revoked', line: i + 1 };
      continue;
    }
    if (marker !== undefined) continue;
    if (type !== keyType) continue;
    if (blob === keyBase64) return { kind: 'known' };
    changed ??= i + 1;
  }
  return changed === undefined ? { kind: 'unknown' } : { kind: 'changed', line: changed };
}

/** The line `--accept-new-host-keys` appends for a host seen for the first time. */
export function knownHostsLine(address: string, port: number, keyType: string, keyBase64: string): string {
  return `${knownHostsName(address, port)} ${keyType} ${keyBase64}\n`;
}

/** The key's SHA256 fingerprint as OpenSSH prints it (SHA256:base64 without padding). */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}
