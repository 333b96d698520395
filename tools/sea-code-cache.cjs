// node tools/sea-code-cache.cjs WRAPPED_BUNDLE OUT [WRAPPED_LAZY_MODULE...]:
// compile the wrapped bundle exactly as tools/sea-main.cjs does, run it for
// --version and each --help (output discarded), then write V8's code cache to
// OUT; it now includes every function those runs compiled. Each lazy module
// (e.g. dist/sea/undici.cjs) is compiled and loaded as the bundle's loader does
// and its cache written next to it as <file>.cache. Run by tools/build-sea.mjs
// with the node binary that goes into the executable and no NODE_OPTIONS, so V8
// accepts the caches.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');

const [wrappedPath, out, ...lazyModules] = process.argv.slice(2);
if (wrappedPath === undefined || out === undefined) {
  process.stderr.write('usage: node tools/sea-code-cache.cjs WRAPPED_BUNDLE OUT [WRAPPED_LAZY_MODULE...]\n');
  process.exit(2);
}
for (const file of lazyModules) {
  const filename = file.split('/').pop();
  const lazy = new Script(readFileSync(file, 'utf8'), { filename });
  const m = { exports: {} };
  lazy.runInThisContext().call(m.exports, m.exports, require, m, filename, '.');
  writeFileSync(`${file}.cache`, lazy.createCachedData());
}
const script = new Script(readFileSync(wrappedPath, 'utf8'), { filename: 'edgectl.cjs' });
const run = script.runInThisContext();
const runs = [
  ['--version'],
  ['--help'],
  ['rke2', '--help'],
  ['rke2', 'server', '--help'],
  ['rke2', 'agent', '--help'],
  ['cluster', 'list', '--help'],
  ['vault', 'check', '--help'],
  ['scripts', 'export', '--help'],
];
const realStdoutWrite = process.stdout.write.bind(process.stdout);
process.stdout.write = () => true;
process.stderr.write = () => true;

(async () => {
  for (const args of runs) {
    process.argv = [process.execPath, 'edgectl', ...args];
    const m = { exports: {} };
    run.call(m.exports, m.exports, require, m, 'edgectl.cjs', '.');
    // help and version settle within a few ticks; give each run its own turn
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const cache = script.createCachedData();
  writeFileSync(out, cache);
  realStdoutWrite(`code cache: ${cache.length} bytes after ${runs.length} runs\n`);
  process.exitCode = 0;
})();
