/** Reading a file that must be a regular one: a FIFO would block, a device or a directory is not ours to replace. */
import { constants, promises as fs } from 'node:fs';
import { EdgectlError } from '../../core/errors.js';
import { showPath } from '../../core/show-path.js';

/** The bytes of a regular file, undefined when absent; anything but a regular file is refused unread. */
export async function readRegularFile(path: string): Promise<Buffer | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new EdgectlError('hostStep', `cannot read ${showPath(path)}: ${code ?? (err as Error).message}`);
  }
  try {
    if (!(await handle.stat()).isFile()) throw new EdgectlError('precondition', `${showPath(path)} exists and is not a regular file; refusing to replace it`);
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
