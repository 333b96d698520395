/**
 * Cluster tags (`--tag KEY=VALUE`): how many fit next to edgectl's own
 * custom_metadata keys, and how the tags of a re-run are merged into the
 * ones a cluster already carries. Pure: no I/O.
 */
import { CUSTOM_METADATA_LIMITS, tagsFromPairs } from './vault-layout.js';

/** custom_metadata keys edgectl writes itself (created_at, hostname, ip, rke2_version). */
export const OWN_METADATA_KEYS = 4;
/** The most tags one cluster can carry. */
export const MAX_TAGS = CUSTOM_METADATA_LIMITS.maxKeys - OWN_METADATA_KEYS;

/** Why a set of --tag flags cannot be stored, or undefined. */
export function tagCountProblem(tags: ReadonlyArray<readonly [string, string]>): string | undefined {
  return tags.length > MAX_TAGS ? `${tags.length} --tag flags: a cluster carries at most ${MAX_TAGS} tags (KV v2 allows ${CUSTOM_METADATA_LIMITS.maxKeys} custom_metadata keys, edgectl uses ${OWN_METADATA_KEYS})` : undefined;
}

/** The cluster's tags with the given ones merged in (given ones win), or undefined when they change nothing. */
export function mergedTags(current: Readonly<Record<string, string>>, given: ReadonlyArray<readonly [string, string]>): Record<string, string> | undefined {
  const next = { ...current, ...tagsFromPairs(given) };
  return Object.entries(next).every(([k, v]) => current[k] === v) ? undefined : next;
}
