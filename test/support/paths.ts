/** Paths of the project checkout, for test helpers bundled or run from source. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

function findRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'scripts'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return resolve(start);
    dir = parent;
  }
}

/** The project root (the directory holding package.json and scripts/). */
export const PROJECT_ROOT = findRoot(__dirname);
