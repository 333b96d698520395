/**
 * Cluster IDs: generated ones are "rke2-" + 8 lowercase letters/digits from a
 * cryptographic source; user-given ones must be lowercase DNS labels. Both are
 * validated before they touch a path, a URL or a Vault key.
 */
import { randomInt } from 'node:crypto';
import { usageError } from './errors.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export const GENERATED_CLUSTER_ID = /^rke2-[a-z0-9]{8}$/;
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{1,61})[a-z0-9]$/;

/** A new random cluster ID, e.g. rke2-k3x9q0ab. */
export function generateClusterId(random: (max: number) => number = randomInt): string {
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
