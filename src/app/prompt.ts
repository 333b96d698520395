/** Questions to the operator on a terminal: the prompt on stderr, the answer from stdin. */
import type { Readable } from 'node:stream';
import type { Context } from './context.js';

/** Read one line from a stream (without the newline); undefined at end of input. */
export function readLine(stream: Readable, signal?: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const cleanup = (): void => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
      stream.pause();
    };
    const onData = (chunk: Buffer | string): void => {
      buffered += chunk.toString();
      const nl = buffered.indexOf('\n');
      if (nl >= 0) {
        cleanup();
        const rest = buffered.slice(nl + 1);
        if (rest !== '') stream.unshift(Buffer.from(rest));
        resolve(buffered.slice(0, nl).replace(/\r$/, ''));
      }
    };
    const onEnd = (): void => {
      cleanup();
      resolve(buffered === '' ? undefined : buffered);
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal?.reason);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.resume();
  });
}

/** Ask on stderr and return true only when the operator types `expected` exactly. */
export async function confirmByTyping(ctx: Context, question: string, expected: string): Promise<boolean> {
  ctx.stderr.write(`${question}\nType ${expected} to confirm: `);
  const answer = await readLine(ctx.stdin, ctx.signal);
  return answer?.trim() === expected;
}
