/**
 * The scripts embedded in edgectl, byte for byte (generated at build time from
 * scripts/*.sh by tools/gen-embedded.mjs), with their sha256.
 */
import { createHash } from 'node:crypto';
import { EdgectlError } from './core/errors.js';
import { EMBEDDED_SCRIPTS } from './embedded.generated.js';

export interface EmbeddedScript {
  readonly name: string;
  readonly bytes: Buffer;
  readonly sha256: string;
}

/** Names of the embedded scripts, sorted. */
export function embeddedScriptNames(): string[] {
  return Object.keys(EMBEDDED_SCRIPTS).sort();
}

/** One embedded script; its bytes are checked against the recorded sha256. */
export function embeddedScript(name: string): EmbeddedScript {
  const entry = EMBEDDED_SCRIPTS[name];
  if (entry === undefined) throw new EdgectlError('internal', `no embedded script named ${name}`);
  const bytes = Buffer.from(entry.base64, 'base64');
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  if (sha256 !== entry.sha256) throw new EdgectlError('internal', `embedded script ${name} is corrupt`);
  return { name, bytes, sha256 };
}
