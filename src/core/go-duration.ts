/**
 * Go durations as Vault reports them ("8760h0m0s", "30m", "0s"), in seconds.
 * Pure, for KV v2 settings such as delete_version_after.
 */

const UNIT_SECONDS: Readonly<Record<string, number>> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
const DURATION = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/;

/** Seconds of a Go duration string, a bare number of seconds, or undefined when it is neither. */
export function parseGoDurationSeconds(text: string): number | undefined {
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  if (t === '') return undefined;
  let rest = t;
  let total = 0;
  while (rest !== '') {
    const m = DURATION.exec(rest);
    if (m === null) return undefined;
    total += Number(m[1]) * (UNIT_SECONDS[m[2] ?? ''] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** A short human form of a number of seconds: "365d", "36h", "90m", "45s". */
export function formatDurationSeconds(seconds: number): string {
  if (seconds >= 86_400 && seconds % 86_400 === 0) return `${seconds / 86_400}d`;
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
