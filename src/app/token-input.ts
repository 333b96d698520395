import { Secret } from '../core/secret.js';
import { showPath } from '../core/show-path.js';
/** Read a join token given on the command line: from a 0600 file, stdin, or (unsafely) a flag value. */
import { credentialProblem } from '../core/credential.js';
import { usageError } from '../core/errors.js';
import { parseJoinToken } from '../core/rke2-token.js';
import type { Context } from './context.js';

/** Where the join token comes from when given on the command line. */
export type TokenSource = { kind: 'file'; path: string } | { kind: 'stdin' } | { kind: 'value'; value: string };


/** The token's text, validated; warns for --token VALUE. */
export async function readTokenSource(ctx: Context, source: TokenSource): Promise<Secret> {
  let token: string;
  if (source.kind === 'value') {
    ctx.ui.warn('--token puts the token in the process list and your shell history; prefer --token-file or --token-stdin');
    token = source.value;
  } else if (source.kind === 'stdin') {
    const chunks: Buffer[] = [];
    for await (const chunk of ctx.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
    token = Buffer.concat(chunks).toString('utf8');
  } else {
    // exactly the documented modes (README, scripts/README.md): 0600 or 0400, owned by the user running edgectl
    const file = await ctx.host.readSecretFile(source.path, {
      what: 'token file',
      modes: [0o600, 0o400],
      ...(typeof process.getuid === 'function' ? { uid: process.getuid() } : {}),
      maxBytes: 64 * 1024,
    });
    token = file.text;
  }
  token = token.trim();
  // a token that is not one line of printable characters is a malformed value (never shown)
  const problem = token === '' ? undefined : credentialProblem(token);
  if (problem !== undefined) throw usageError(`the join token from ${describeSource(source)} is malformed: ${problem} (the value is not shown)`);
  parseJoinToken(token);
  return new Secret(token);
}

function describeSource(source: TokenSource): string {
  if (source.kind === 'file') return `token file ${showPath(source.path)}`;
  return source.kind === 'stdin' ? 'stdin' : '--token';
}
