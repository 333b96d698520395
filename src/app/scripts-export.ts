/** `edgectl scripts export DIR`: write the embedded scripts out for standalone use. */
import { join } from 'node:path';
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
    const existing = await ctx.host.readRegularFile(path);
    if (existing !== undefined && !script.bytes.equals(existing) && !input.force) {
      throw new EdgectlError('precondition', `${path} exists and differs from the embedded ${script.name}`, {
        hint: 'use --force to overwrite it',
      });
    }
  }
  for (const script of scripts) {
    const path = join(input.dir, script.name);
    const existing = await ctx.host.readRegularFile(path);
    const changed = existing === undefined || !script.bytes.equals(existing);
    if (changed) await ctx.host.writeFileAtomic(path, script.bytes, 0o755);
    written.push({ name: script.name, path, sha256: script.sha256, changed });
  }
  if (input.output === 'json') {
    writeJson(ctx, { scripts: written });
    return;
  }
  for (const w of written) writeOut(ctx, `${w.sha256}  ${w.path}`);
}
