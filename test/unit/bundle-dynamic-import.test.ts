/**
 * The build refuses any dynamic import() left in a bundle: the single
 * executable runs bundles through vm.Script, which has no dynamic-import
 * callback, so such an import would fail only in the shipped executable.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain .mjs build script without type declarations
import { rejectDynamicImports } from '../../tools/bundle.mjs';
import { tempDir } from '../support/vault.js';

const check = rejectDynamicImports as (metafile: unknown, what: string) => void;

async function metafileOf(source: string): Promise<unknown> {
  const dir = tempDir('edgectl-bundle-test-');
  try {
    writeFileSync(join(dir.path, 'local.ts'), 'export const x = 1;\n');
    writeFileSync(join(dir.path, 'entry.ts'), source);
    const r = await build({ entryPoints: [join(dir.path, 'entry.ts')], bundle: true, platform: 'node', format: 'cjs', write: false, metafile: true, outfile: join(dir.path, 'out.cjs') });
    return r.metafile;
  } finally {
    dir.cleanup();
  }
}

describe('rejectDynamicImports', () => {
  it('fails on an import() of a builtin, naming it', async () => {
    const meta = await metafileOf("export const f = async () => (await import('node:timers/promises')).setTimeout(1);\n");
    expect(() => check(meta, 'entry')).toThrow(/dynamic import\(\) left in the bundle[\s\S]*node:timers\/promises/);
  });

  it('accepts an import() of a bundled file (esbuild turns it into require) and static builtin imports', async () => {
    const meta = await metafileOf("import { setTimeout } from 'node:timers/promises';\nexport const f = async () => (await import('./local')).x + (await setTimeout(1, 1));\n");
    expect(() => check(meta, 'entry')).not.toThrow();
  });
});
