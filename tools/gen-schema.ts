// Writes schema/cluster.schema.json, the JSON Schema of the cluster file, from
// the zod schema edgectl validates with (src/core/cluster-spec.ts). `npm run gen:schema`.
import { writeFileSync } from 'node:fs';
import { clusterSpecJsonSchema } from '../src/core/cluster-spec.js';

writeFileSync('schema/cluster.schema.json', `${JSON.stringify(clusterSpecJsonSchema(), null, 2)}\n`);
