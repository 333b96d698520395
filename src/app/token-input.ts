/** Read a join token given on the command line: from a 0600 file, stdin, or (unsafely) a flag value. */
import { promises as fs } from 'node:fs';
import { EdgectlError } from '../core/errors.js';
import { parseJoinToken } from '../core/rke2-token.js';
import type { TokenSource } from '../cli/commands/rke2.js';
import type { Context } from './context.js';

/** The token's text, validated; warns for --token VALUE. */
export async function readTokenSource(ctx: Context, source: TokenSource): Promise<string> {
  let token: string;
  if (source.kind === 'value') {
    ctx.ui.warn('--token puts the token in the process list and your shell history; prefer --token-file or --token-stdin');
    token = source.value;
  } else if (source.kind === 'stdin') {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    token = Buffer.concat(chunks).toString('utf8');
  } else {
    let st;
    try {
      st = await fs.stat(source.path);
    } catch {
      throw new EdgectlError('precondition', `token file ${source.path} does not exist or cannot be read`);
    }
    if (!st.isFile()) throw new EdgectlError('precondition', `token file ${source.path} is not a regular file`);
    if ((st.mode & 0o077) !== 0) {
      throw new EdgectlError('precondition', `token file ${source.path} has mode ${(st.mode & 0o777).toString(8)}; it must be 0600 or 0400`, {
        hint: `chmod 600 ${source.path}`,
      });
    }
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) {
      throw new EdgectlError('precondition', `token file ${source.path} must be owned by the user running edgectl (root)`);
    }
    token = await fs.readFile(source.path, 'utf8');
  }
  token = token.trim();
  parseJoinToken(token);
  return token;
}
