/**
 * RKE2 release versions (vMAJOR.MINOR.PATCH[-rcN]+rke2rN): parsing, ordering,
 * and which releases have `rke2 token rotate`. Pure; mirrors version_cmp and
 * rotate_supported in scripts/rke2.sh.
 */

export interface Rke2Version {
  major: number;
  minor: number;
  patch: number;
  /** release candidate number; undefined for a release */
  rc: number | undefined;
  /** the +rke2rN build */
  build: number;
}

const VERSION = /^v(\d+)\.(\d+)\.(\d+)(?:-rc(\d+))?\+rke2r(\d+)$/;

/** Parse an RKE2 version string, or undefined when it is not one. */
export function parseRke2Version(text: string): Rke2Version | undefined {
  const m = VERSION.exec(text);
  if (!m) return undefined;
  const n = (s: string | undefined): number => Number(s);
  return { major: n(m[1]), minor: n(m[2]), patch: n(m[3]), rc: m[4] === undefined ? undefined : n(m[4]), build: n(m[5]) };
}

/** -1, 0 or 1 as a is older than, equal to or newer than b; a release candidate sorts before its release. */
export function compareRke2Versions(a: Rke2Version, b: Rke2Version): -1 | 0 | 1 {
  const key = (v: Rke2Version): number[] => [v.major, v.minor, v.patch, v.rc ?? Number.MAX_SAFE_INTEGER, v.build];
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i += 1) {
    const x = ka[i] ?? 0;
    const y = kb[i] ?? 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Compare two version strings; undefined when either is not an RKE2 version. */
export function compareVersionStrings(a: string, b: string): -1 | 0 | 1 | undefined {
  const pa = parseRke2Version(a);
  const pb = parseRke2Version(b);
  return pa === undefined || pb === undefined ? undefined : compareRke2Versions(pa, pb);
}

/** The first patch release of each minor line that has `rke2 token rotate` (every line from 1.29 has it from .0). */
export const TOKEN_ROTATION_SINCE: Readonly<Record<number, number>> = { 25: 15, 26: 10, 27: 7, 28: 3 };

/** The releases with `rke2 token rotate`, for messages. */
export const TOKEN_ROTATION_RELEASES = 'v1.25.15, v1.26.10, v1.27.7, v1.28.3 (and later releases of those lines), or v1.29 and later';

/** Why RKE2 `version` cannot rotate its token, or undefined when it can. */
export function tokenRotationProblem(version: string | undefined): string | undefined {
  const v = version === undefined ? undefined : parseRke2Version(version);
  if (v === undefined) return `cannot tell whether RKE2 ${version ?? '(unknown version)'} has 'rke2 token rotate'; it needs ${TOKEN_ROTATION_RELEASES}`;
  if (v.major > 1 || (v.major === 1 && v.minor > 28)) return undefined;
  const since = v.major === 1 ? TOKEN_ROTATION_SINCE[v.minor] : undefined;
  if (since !== undefined && compareRke2Versions(v, { major: 1, minor: v.minor, patch: since, rc: undefined, build: 1 }) >= 0) return undefined;
  return `RKE2 ${version} has no 'rke2 token rotate'; it needs ${TOKEN_ROTATION_RELEASES}`;
}
