/** The edgectl executable to put on other hosts: this process's own when it is the single executable, or a given file. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isSea } from 'node:sea';
import { EdgectlError } from '../../core/errors.js';


async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function edgectlExecutable(override: string | undefined): Promise<{ path: string; sha256: string }> {
  const path = override ?? (isSea() ? process.execPath : undefined);
  if (path === undefined) {
    throw new EdgectlError('precondition', 'this edgectl is not the single executable, so it cannot copy itself to the hosts', {
      hint: 'run the single executable (dist/edgectl-linux-x64, or /usr/local/bin/edgectl from install-edgectl.sh), or give --edgectl-binary FILE',
    });
  }
  const st = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new EdgectlError('precondition', `cannot read the edgectl executable ${path}: ${err.code ?? err.message}`);
  });
  if (!st.isFile()) throw new EdgectlError('precondition', `${path} is not a regular file`);
  return { path, sha256: await sha256Of(path) };
}
