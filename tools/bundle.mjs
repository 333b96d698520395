// The esbuild bundle of src/main.ts, shared by tools/build.mjs (dist/edgectl.cjs,
// run by `node`) and tools/build-sea.mjs (the single executable's main script).
//
// Startup is most of what `edgectl --version` costs, so two things are kept
// out of the code V8 must compile at every start:
// - heavy dependencies (LAZY_MODULES) that only some commands use are bundled
//   separately and compiled on their first require: for `node` as a string
//   inside the bundle (a string literal is scanned, not parsed: ~16 ms less per
//   start for undici), for the single executable as an SEA asset (not even read
//   unless used);
// - commander's eager require of node:child_process (see lazyChildProcess).
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/** Dependencies compiled on first use rather than at every start. */
export const LAZY_MODULES = ['undici', 'yaml', 'zod', 'ssh2'];

// ssh2 requires its optional native addons (sshcrypto.node, cpu-features) inside try/catch and
// falls back to node:crypto without them; edgectl never ships them, so they stay unresolved
// requires that throw at run time and are caught there.
const LAZY_EXTERNALS = ['cpu-features', '*.node'];

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // whitespace and syntax only: identifiers and function names stay readable in
  // EDGECTL_DEBUG stack traces; about 4 ms less per start than unminified
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
};

// commander requires node:child_process at load time, only to spawn executable
// subcommands, which edgectl does not have; child_process pulls in net, dgram
// and the stream machinery, about a third of edgectl's own startup time. Load
// it on first use instead. The build fails if commander changes the line, so an
// upgrade cannot silently bring the cost back.
const CHILD_PROCESS_LINE = "const childProcess = require('node:child_process');";
const lazyChildProcess = {
  name: 'lazy-commander-child-process',
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      if (!source.includes(CHILD_PROCESS_LINE)) {
        throw new Error(`${args.path}: expected "${CHILD_PROCESS_LINE}" (see tools/bundle.mjs)`);
      }
      const lazy =
        "let childProcessModule; const childProcess = { spawn: (...a) => (childProcessModule ??= require('node:child_process')).spawn(...a) };";
      return { contents: source.replace(CHILD_PROCESS_LINE, lazy), loader: 'js' };
    });
  },
};

// The single executable runs every bundle through vm.Script, which has no
// dynamic-import callback: an `import()` esbuild leaves in the output (one of an
// external module, e.g. a node: builtin) throws "A dynamic import callback was
// not specified" there, and only there. Imports of bundled files become
// require() calls; anything else fails the build here, naming the file.
export function rejectDynamicImports(metafile, what) {
  const left = [];
  for (const [out, info] of Object.entries(metafile.outputs)) {
    for (const imp of info.imports) if (imp.kind === 'dynamic-import') left.push(`${out}: import(${JSON.stringify(imp.path)})`);
  }
  if (left.length > 0) {
    throw new Error(`${what}: dynamic import() left in the bundle; the single executable cannot run it (use a static import):\n  ${left.join('\n  ')}`);
  }
}

/** One lazy module bundled on its own, wrapped in the CommonJS function wrapper. */
async function bundleLazyModule(name) {
  const r = await build({ ...common, entryPoints: [require.resolve(name)], write: false, outfile: `${name}.cjs`, metafile: true, external: LAZY_EXTERNALS });
  rejectDynamicImports(r.metafile, name);
  const file = r.outputFiles[0];
  if (file === undefined) throw new Error(`no output for ${name}`);
  return `(function (exports, require, module, __filename, __dirname) {${file.text}\n})`;
}

// What `require(name)` becomes in the bundle: compile the module's source, kept
// already wrapped in the CommonJS function wrapper, on first require (vm.Script,
// named <name>.cjs in stack traces) and return its exports. Only node: builtins
// are required from it. In the single executable, the V8 code cache made at
// build time (asset <name>.cjs.cache, tools/sea-code-cache.cjs) saves ~20 ms of
// compiling undici; a rejected cache only costs that time.
const loaderSource = (name, target, wrappedSource) => {
  const asset = `${name}.cjs`;
  const sea = (key) => `require('node:sea').getAsset(${JSON.stringify(key)}, 'utf8')`;
  const source = target === 'sea' ? sea(asset) : JSON.stringify(wrappedSource);
  const cache = target === 'sea' ? `Buffer.from(require('node:sea').getAsset(${JSON.stringify(`${asset}.cache`)}))` : 'undefined';
  return `
const { Script } = require('node:vm');
const filename = ${JSON.stringify(asset)};
const script = new Script(${source}, { filename, cachedData: ${cache} });
if (script.cachedDataRejected === true && process.env.EDGECTL_DEBUG === '1') {
  process.stderr.write('debug: edgectl: V8 rejected the code cache of ' + filename + '; compiling at run time\\n');
}
const wrapper = script.runInThisContext();
const m = { exports: {} };
// only node: builtins come from require; anything else (an optional native addon a module tries
// inside try/catch) is "not found" at once, without the executable's warning about disk modules
const { builtinModules } = require('node:module');
const requireBuiltin = (id) => {
  if (id.startsWith('node:') || builtinModules.includes(id)) return require(id);
  const err = new Error('Cannot find module ' + JSON.stringify(id) + ' (not bundled)');
  err.code = 'MODULE_NOT_FOUND';
  throw err;
};
wrapper.call(m.exports, m.exports, requireBuiltin, m, filename, '.');
module.exports = m.exports;
`;
};

/**
 * Bundle src/main.ts into outfile. target 'node': lazy modules inline as
 * strings; target 'sea': lazy modules read from the SEA assets named
 * <name>.cjs (+ <name>.cjs.cache). Returns the lazy modules' wrapped sources
 * by asset name.
 */
export async function bundleEdgectl({ outfile, target }) {
  const lazySources = new Map();
  for (const name of LAZY_MODULES) lazySources.set(`${name}.cjs`, await bundleLazyModule(name));
  const lazyModules = {
    name: 'lazy-modules',
    setup(b) {
      const filter = new RegExp(`^(${LAZY_MODULES.join('|')})$`);
      b.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'lazy-module' }));
      b.onLoad({ filter: /.*/, namespace: 'lazy-module' }, (args) => {
        return { contents: loaderSource(args.path, target, lazySources.get(`${args.path}.cjs`)), loader: 'js' };
      });
    },
  };
  const result = await build({
    ...common,
    metafile: true,
    entryPoints: ['src/main.ts'],
    outfile,
    banner: { js: '#!/usr/bin/env node' },
    define: { __EDGECTL_VERSION__: JSON.stringify(pkg.version) },
    plugins: [lazyChildProcess, lazyModules],
  });
  rejectDynamicImports(result.metafile, 'src/main.ts');
  return lazySources;
}
