/** `edgectl scripts export DIR`: write the embedded scripts out for standalone use. */
import { constants, promises as fs } from 'node:fs';
import { join } from 'node:path';
import { showPath } from '../core/show-path.js';
import { EdgectlError, usageError } from '../core/errors.js';
import { embeddedScript, embeddedScriptNames } from '../embedded.js';
import { type Context, writeJson, writeOut } from './context.js';

export interface ScriptsExportInput {
  dir: string;
  force: boolean;
  output: 'text' | 'json';
}

/** Export every embedded script to input.dir (mode 0755); refuses to overwrite a different file without --force. */
export async function runScriptsExport(ctx: Context, input: ScriptsExportInput): Promise<void> {
  if (input.dir === '') throw usageError('scripts export: the directory is empty; give one, e.g. edgectl scripts export .');
  // the target must be (or become) a directory: a file there is refused before anything is written
  await ctx.host.ensureDirectory(input.dir);
  const written: Array<{ name: string; path: string; sha256: string; changed: boolean }> = [];
  const scripts = embeddedScriptNames().map((name) => embeddedScript(name));
  // check everything first, so a refusal leaves no partial export behind
  for (const script of scripts) {
    const path = join(input.dir, script.name);
    const existing = await readExisting(path);
    if (existing !== undefined && !existing.equals(script.bytes) && !input.force) {
      throw new EdgectlError('precondition', `${path} exists and differs from the embedded ${script.name}`, {
        hint: 'use --force to overwrite it',
      });
    }
  }
  for (const script of scripts) {
    const path = join(input.dir, script.name);
    const existing = await readExisting(path);
    const changed = existing === undefined || !existing.equals(script.bytes);
    if (changed) await ctx.host.writeFileAtomic(path, script.bytes, 0o755);
    written.push({ name: script.name, path, sha256: script.sha256, changed });
  }
  if (input.output === 'json') {
    writeJson(ctx, { scripts: written });
    return;
  }
  for (const w of written) writeOut(ctx, `${w.sha256}  ${w.path}`);
}

/** The bytes of an existing export target, undefined when absent; anything but a regular file is refused unread (a FIFO would block). */
async function readExisting(path: string): Promise<Buffer | undefined> {
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
