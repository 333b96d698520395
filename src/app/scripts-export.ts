/** `edgectl scripts export DIR`: write the embedded scripts out for standalone use. */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../adapters/host/files.js';
import { EdgectlError } from '../core/errors.js';
import { embeddedScript, embeddedScriptNames } from '../embedded.js';
import { type Context, writeJson, writeOut } from './context.js';

export interface ScriptsExportInput {
  dir: string;
  force: boolean;
  output: 'text' | 'json';
}

/** Export every embedded script to input.dir (mode 0755); refuses to overwrite a different file without --force. */
export async function runScriptsExport(ctx: Context, input: ScriptsExportInput): Promise<void> {
  const written: Array<{ name: string; path: string; sha256: string; changed: boolean }> = [];
  const scripts = embeddedScriptNames().map((name) => embeddedScript(name));
  // check everything first, so a refusal leaves no partial export behind
  for (const script of scripts) {
    const path = join(input.dir, script.name);
    const existing = await fs.readFile(path).catch(() => undefined);
    if (existing !== undefined && !existing.equals(script.bytes) && !input.force) {
      throw new EdgectlError('precondition', `${path} exists and differs from the embedded ${script.name}`, {
        hint: 'use --force to overwrite it',
      });
    }
  }
  for (const script of scripts) {
    const path = join(input.dir, script.name);
    const existing = await fs.readFile(path).catch(() => undefined);
    const changed = existing === undefined || !existing.equals(script.bytes);
    if (changed) await writeFileAtomic(path, script.bytes, 0o755);
    written.push({ name: script.name, path, sha256: script.sha256, changed });
  }
  if (input.output === 'json') {
    writeJson(ctx, { scripts: written });
    return;
  }
  for (const w of written) writeOut(ctx, `${w.sha256}  ${w.path}`);
}
