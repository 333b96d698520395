/**
 * The dependency rule, read from the source: cli → app → core; adapters → core;
 * only src/main.ts wires adapters in. Every import of every file under src/ is
 * checked, and a violation names the file and the import.
 *
 * app/ and cli/ import no I/O module (node:fs, node:child_process, node:net,
 * node:http(s), undici): they reach the world through the ports.
 *
 * Secrets stay Secret until an adapter writes them: no reveal() in src/app or
 * src/cli (comparisons go through Secret methods). KNOWN_REVEALS ratchets the
 * same way.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../support/paths.js';

const SRC = join(PROJECT_ROOT, 'src');

type Ring = 'main' | 'cli' | 'app' | 'core' | 'adapters' | 'embedded';

/** Which rings each ring may import from (its own always included). */
const ALLOWED: Record<Ring, readonly Ring[]> = {
  main: ['main', 'cli', 'app', 'core', 'adapters', 'embedded'],
  cli: ['cli', 'app', 'core', 'embedded'],
  app: ['app', 'core', 'embedded'],
  core: ['core'],
  adapters: ['adapters', 'core', 'embedded'],
  embedded: ['embedded', 'core'],
};

/** Modules that do I/O: app/ and cli/ reach files, processes and the network only through ports (none needs one today). */
const APP_IO_MODULES = /^(node:(fs|fs\/promises|child_process|net|http|https)|undici)$/;

/** Node builtins that do I/O: core is pure logic and imports none of them. */
// (node:net is allowed: core uses only its pure isIP)
const IO_BUILTINS = /^node:(fs|fs\/promises|child_process|http|https|http2|tls|dgram|dns|os|process|readline|worker_threads|cluster)$/;

function ringOf(file: string): Ring {
  const rel = relative(SRC, file);
  if (rel === 'main.ts') return 'main';
  if (rel.startsWith('embedded')) return 'embedded';
  const top = rel.split('/')[0];
  if (top === 'cli' || top === 'app' || top === 'core' || top === 'adapters') return top;
  throw new Error(`${rel}: not in a known ring (cli, app, core, adapters, main.ts, embedded*)`);
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(path);
  }
  return out.sort();
}

/** Module specifiers of static imports/exports, `import type` included, and dynamic import() calls. */
export function importsOf(source: string): string[] {
  const specs: string[] = [];
  const patterns = [/^\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of source.matchAll(re)) if (m[1] !== undefined) specs.push(m[1]);
  return specs;
}

/** Every violation of the rule, as "file → import". */
function violations(): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const from = ringOf(file);
    const rel = relative(SRC, file);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        const to = ringOf(target);
        if (!ALLOWED[from].includes(to)) found.push(`${rel} → ${spec}`);
      } else if (from === 'core' && IO_BUILTINS.test(spec)) {
        found.push(`${rel} → ${spec}`);
      } else if ((from === 'app' || from === 'cli') && APP_IO_MODULES.test(spec)) {
        found.push(`${rel} → ${spec}`);
      }
    }
  }
  return found;
}

describe('the dependency rule (cli → app → core; adapters → core; main.ts wires)', () => {
  it('parses the import forms used in this code base', () => {
    const src = "import { a } from './a.js';\nimport type { B } from '../b.js';\nexport { c } from './c.js';\nimport './side.js';\nconst m = await import('./lazy.js');\n";
    expect(importsOf(src)).toEqual(['./a.js', '../b.js', './c.js', './side.js', './lazy.js']);
  });

  it('no file under src/ imports outside what its ring may use', () => {
    expect(violations()).toEqual([]);
  });
});

/** reveal() calls per file under src/app and src/cli that still exist; this list only shrinks. */
const KNOWN_REVEALS: Readonly<Record<string, number>> = {};

describe('secrets stay Secret in app/ and cli/', () => {
  it('no reveal() outside adapters (the debt list only shrinks)', () => {
    const found: Record<string, number> = {};
    for (const ring of ['app', 'cli']) {
      for (const file of sourceFiles(join(SRC, ring))) {
        const n = [...readFileSync(file, 'utf8').matchAll(/\.reveal\(\)/g)].length;
        if (n > 0) found[relative(SRC, file)] = n;
      }
    }
    expect(found).toEqual(KNOWN_REVEALS);
  });
});

/** The names of the functions a file exports whose name ends in Step (the step factories). */
export function stepFactoriesOf(source: string): string[] {
  return [...source.matchAll(/^export (?:async )?function (\w+Step)\b/gm)].map((m) => m[1] as string);
}

/** A step defined in place: a `run` of a step literal (run: async (gate) … or async run(gate) …). */
const STEP_LITERAL = /\brun\s*:\s*async\s*\(\s*_?gate\b|\basync\s+run\s*\(\s*_?gate\b/;

describe('one file per phase (app/phases/<what-it-does>.ts exports <whatItDoes>Step)', () => {
  const phasesDir = join(SRC, 'app', 'phases');
  const camel = (file: string): string => file.replace(/\.ts$/, '').replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

  it('finds the step factories a file exports', () => {
    expect(stepFactoriesOf('export function fooBarStep(ctx: Context): Step {\nfunction helperStep() {}\nexport function other() {}\nexport async function bazStep() {}\n')).toEqual(['fooBarStep', 'bazStep']);
  });

  it('every file in app/phases that makes a Step exports exactly the factory it is named after', () => {
    const wrong: string[] = [];
    for (const file of sourceFiles(phasesDir)) {
      const source = readFileSync(file, 'utf8');
      if (!/\bStep\b/.test(source.replace(/^import .*$/gm, ''))) continue; // a runner Phase (app/phase-runner.ts), not a plan Step
      const name = relative(phasesDir, file);
      const expected = `${camel(name)}Step`;
      const factories = stepFactoriesOf(source);
      if (factories.length !== 1 || factories[0] !== expected) wrong.push(`${name} exports ${JSON.stringify(factories)}, expected ["${expected}"]`);
    }
    expect(wrong).toEqual([]);
  });

  it('no step is defined outside app/phases (a use case lists its phases, it does not define them)', () => {
    const inPlace = sourceFiles(join(SRC, 'app'))
      .filter((f) => !f.startsWith(`${phasesDir}/`) && STEP_LITERAL.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f));
    expect(inPlace).toEqual([]);
  });
});
