/** Paths of the project checkout, for test helpers bundled or run from source. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

// the root is the directory whose package.json is edgectl's own: scripts/ may not exist
// yet on every branch, and dependencies' package.json files never sit above our sources
function isProjectRoot(dir: string): boolean {
  const pkg = join(dir, 'package.json');
  if (!existsSync(pkg)) return false;
  try {
    return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'edgectl';
  } catch {
    return false;
  }
}

function findRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (isProjectRoot(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

/** The project root (the directory holding edgectl's package.json). */
export const PROJECT_ROOT = findRoot(__dirname);
