/** Plain-text tables for human output (stdout text mode). Pure. */

/** Render rows under headers, columns padded to their widest cell, two spaces apart; no trailing spaces. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** key=value pairs of a tag map, sorted by key, comma-separated ("-" when empty). */
export function formatTags(tags: Readonly<Record<string, string>>): string {
  const keys = Object.keys(tags).sort();
  return keys.length === 0 ? '-' : keys.map((k) => `${k}=${tags[k] ?? ''}`).join(',');
}
