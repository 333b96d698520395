/** Paths in one-line messages. */

/** A path for a one-line message: as it is when printable, else JSON-quoted. */
export function showPath(path: string): string {
  return /^[\x21-\x7e]+$/.test(path) ? path : JSON.stringify(path);
}
