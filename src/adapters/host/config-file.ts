/**
 * Reads the operator's --config-file as rke2.sh will: a regular file owned by
 * root and writable only by root, no larger than the limit, reached directly
 * or through a symlink that stays in the link's own directory (never a link
 * out to /etc/shadow and the like). Returns its text and sha256 for checks
 * and plans; the text is never printed.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { EdgectlError } from '../../core/errors.js';
import type { ConfigFileFacts } from '../../core/ports.js';

export type { ConfigFileFacts };
import { MAX_CONFIG_BYTES } from '../../core/validate-config.js';

function refuse(message: string): EdgectlError {
  return new EdgectlError('precondition', message, { hint: 'pass a regular root-owned file (mode 0644 or stricter) holding RKE2 settings as key: value lines' });
}

/** Read and check the file facts of a --config-file (exit 3 when they are wrong). */
export async function readConfigFile(path: string): Promise<ConfigFileFacts> {
  let link;
  try {
    link = await fs.lstat(path);
  } catch {
    throw refuse(`config file ${path} does not exist or cannot be read`);
  }
  if (link.isSymbolicLink()) {
    const real = await fs.realpath(path).catch(() => undefined);
    const dir = await fs.realpath(dirname(path)).catch(() => undefined);
    if (real === undefined || dir === undefined) throw refuse(`config file ${path} is a dangling symlink`);
    if (dirname(real) !== dir) throw refuse(`config file ${path} is a symlink to a file outside its directory; pass the file itself`);
  }
  const st = await fs.stat(path).catch(() => undefined);
  if (st === undefined || !st.isFile()) throw refuse(`config file ${path} is not a regular file`);
  if (st.uid !== 0) throw refuse(`config file ${path} must be owned by root (owner uid ${st.uid})`);
  if ((st.mode & 0o022) !== 0) throw refuse(`config file ${path} is writable by group or others (mode ${(st.mode & 0o777).toString(8)})`);
  if (st.size > MAX_CONFIG_BYTES) {
    throw new EdgectlError('usage', `config file ${path} is ${Math.ceil(st.size / 1024)} KiB; at most ${MAX_CONFIG_BYTES / 1024} KiB`);
  }
  let data: Buffer;
  try {
    data = await fs.readFile(path);
  } catch {
    throw refuse(`config file ${path} cannot be read`);
  }
  return { path, text: data.toString('utf8'), sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length };
}
