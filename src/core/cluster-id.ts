/**
 * Cluster IDs: generated ones are "rke2-" + 8 lowercase letters/digits from a
 * cryptographic source; user-given ones must be lowercase DNS labels. Both are
 * validated before they touch a path, a URL or a Vault key.
 */
import { usageError } from './errors.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const GENERATED_CLUSTER_ID = /^rke2-[a-z0-9]{8}$/;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/;

/**
 * A uniformly distributed integer in [0, max) from the Web Crypto CSPRNG (max ≤ 2^32).
 * The global `crypto` rather than `node:crypto`: the CLI layer imports this
 * module on every start, and node:crypto costs startup time that
 * `edgectl --version` should not pay; the global loads only when first used.
 */
export function secureRandomInt(max: number): number {
  if (!Number.isInteger(max) || max <= 0 || max > 0x1_0000_0000) throw new RangeError(`secureRandomInt: bad max ${max}`);
  // reject the top partial range of 2^32 so that every value is equally likely
  const limit = Math.floor(0x1_0000_0000 / max) * max;
  const word = new Uint32Array(1);
  for (;;) {
    globalThis.crypto.getRandomValues(word);
    const v = word[0] ?? 0;
    if (v < limit) return v % max;
  }
}

/** A new random cluster ID, e.g. rke2-k3x9q0ab. */
export function generateClusterId(random: (max: number) => number = secureRandomInt): string {
  let suffix = '';
  for (let i = 0; i < 8; i += 1) suffix += ALPHABET[random(ALPHABET.length)];
  return `rke2-${suffix}`;
}

/** Why an ID is not acceptable, or undefined when it is a valid lowercase DNS label (3–63 chars). */
export function clusterIdProblem(id: string): string | undefined {
  if (id.length < 3 || id.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9-]+$/.test(id)) return 'may contain only lowercase letters, digits and dashes';
  if (!DNS_LABEL.test(id)) return 'must not start or end with a dash';
  return undefined;
}

/** Validate a user-given cluster ID (usage error, exit 2, when malformed). */
export function parseClusterId(id: string): string {
  const problem = clusterIdProblem(id);
  if (problem !== undefined) {
    throw usageError(
      `invalid cluster ID ${JSON.stringify(id.slice(0, 80))}: ${problem}`,
      'cluster IDs look like rke2-abc12345',
    );
  }
  return id;
}
