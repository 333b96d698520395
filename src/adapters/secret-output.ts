/** A secret on stdout (`cluster show --show-token`, `rke2 kubeconfig --out -`): revealed here and nowhere in app/. */
import type { Writable } from 'node:stream';
import type { Secret } from '../core/secret.js';

/** Write the secret and a newline (always, or only when it does not end with one) to the stream. */
export function writeSecretLine(stream: Writable, secret: Secret, newline: 'always' | 'if-missing'): void {
  const text = secret.reveal();
  stream.write(newline === 'always' || !text.endsWith('\n') ? `${text}\n` : text);
}
