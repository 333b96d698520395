// The single executable's main script (see tools/build-sea.mjs). It runs the
// edgectl bundle, stored as the SEA asset edgectl.cjs, with the V8 code cache
// stored as edgectl.cjs.cache. Node 20's own "useCodeCache" compiles the main
// script without running it, so its cache holds only top-level code; this one
// was made after running --version and every --help, so it also holds the
// functions every command runs first (commander, the command tree): measured
// 1 to 5 ms less per start. If V8 rejects the cache (another V8 version or
// flags, e.g. from NODE_OPTIONS), edgectl still runs, only compiles as it goes.
// (sea-config.json leaves Node's own "useCodeCache" off: for this small file it
// gains nothing, and Node prints "Code cache data rejected" when NODE_OPTIONS
// carries V8 flags.)
'use strict';
const { getAsset } = require('node:sea');
const { Script } = require('node:vm');

// the asset is the bundle already wrapped as (function (exports, require, module, __filename, __dirname) {...})
const script = new Script(getAsset('edgectl.cjs', 'utf8'), {
  filename: 'edgectl.cjs',
  cachedData: Buffer.from(getAsset('edgectl.cjs.cache')),
});
if (script.cachedDataRejected === true && process.env.EDGECTL_DEBUG === '1') {
  process.stderr.write('debug: edgectl: V8 rejected the embedded code cache; compiling at run time\n');
}
script.runInThisContext().call(module.exports, module.exports, require, module, __filename, __dirname);
