// Bundles src/main.ts and every dependency into the single file dist/edgectl.cjs
// (how: tools/bundle.mjs).
import { chmodSync } from 'node:fs';
import { bundleEdgectl } from './bundle.mjs';

await bundleEdgectl({ outfile: 'dist/edgectl.cjs', target: 'node' });
chmodSync('dist/edgectl.cjs', 0o755);
