/** `npm run bench`: every benchmark, numbers on stdout. */
import { benchClusterList, formatClusterListBench } from './cluster-list.js';

async function main(): Promise<void> {
  const runs = 3;
  const rows = await benchClusterList({ runs });
  process.stdout.write(`cluster list (fresh OpenBao dev server on this machine)\n${formatClusterListBench(rows, runs)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
