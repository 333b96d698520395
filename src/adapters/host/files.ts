/**
 * Files on this host: atomic writes with an explicit mode (secrets are created
 * 0600 from the first byte, never chmod-ed afterwards), and reads that tell
 * "absent" from other errors.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { dirname, join, basename, resolve } from 'node:path';
import { EdgectlError } from '../../core/errors.js';
import { showPath } from './secret-file.js';

/**
 * Make sure dir is a directory, creating missing ones one level at a time
 * (mode 0755). Not fs.mkdir's recursive mode: under /proc it loops forever
 * (mkdir answers ENOENT for a parent that stat says exists). A path whose
 * existing part is not a directory is a precondition error (exit 3); a
 * directory that cannot be created is a host step failure (exit 7).
 */
export async function ensureDirectory(dir: string): Promise<void> {
  const missing: string[] = [];
  let current = resolve(dir);
  for (;;) {
    const st = await fs.stat(current).catch((err: NodeJS.ErrnoException) => {
      // ENOTDIR: an ancestor is a file; walking up finds it and names it
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw new EdgectlError('hostStep', `cannot create directory ${showPath(dir)}: ${showPath(current)}: ${err.code ?? err.message}`);
    });
    if (st !== undefined && !st.isDirectory()) {
      throw new EdgectlError('precondition', `cannot create directory ${showPath(dir)}: ${showPath(current)} exists and is not a directory`);
    }
    if (st !== undefined) break;
    missing.push(current);
    const parent = dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const d of missing.reverse()) {
    try {
      await fs.mkdir(d, { mode: 0o755 });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && (await fs.stat(d).then((st) => st.isDirectory(), () => false))) continue; // created meanwhile
      throw new EdgectlError('hostStep', `cannot create directory ${showPath(d)}: ${code ?? (err as Error).message}`);
    }
  }
}

/**
 * Write data to path atomically: temp file in the same directory (created with
 * mode), fsync, rename. Failures are EdgectlErrors naming the path: a target
 * that is a directory or a missing parent that cannot be made exits 3 or 7.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const dir = dirname(path);
  await ensureDirectory(dir);
  const target = await fs.lstat(path).catch(() => undefined);
  if (target !== undefined && !target.isFile() && !target.isSymbolicLink()) {
    throw new EdgectlError('precondition', `cannot write ${showPath(path)}: it exists and is not a regular file`);
  }
  try {
    await writeInPlace(path, dir, data, mode);
  } catch (err) {
    if (err instanceof EdgectlError) throw err;
    throw new EdgectlError('hostStep', `cannot write ${showPath(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function writeInPlace(path: string, dir: string, data: string | Uint8Array, mode: number): Promise<void> {
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(mode); // the umask may have narrowed or widened the create mode
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, path);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const dirHandle = await fs.open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/** Read a UTF-8 file, or undefined when it does not exist. */
export async function readFileIfExists(path: string): Promise<string | undefined> {
  try {
    return await fs.readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Remove a file; absent is fine. */
export async function removeFile(path: string): Promise<boolean> {
  try {
    await fs.unlink(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/**
 * Create path with data and mode, never replacing anything: a temp file in the
 * same directory (mode from the first byte), fsync, then link() to the name,
 * which fails when the name exists. A reader never sees a partial file.
 */
export async function createFileExclusive(path: string, data: string, mode: number): Promise<void> {
  const dir = dirname(path);
  await ensureDirectory(dir);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(tmp, 'wx', mode);
    try {
      await handle.writeFile(data);
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new EdgectlError('precondition', `${showPath(path)} exists: edgectl never overwrites it`, { hint: 'remove it or choose another --out directory' });
    throw new EdgectlError('hostStep', `cannot write ${showPath(path)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
