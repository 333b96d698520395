/**
 * Ask for a secret on the terminal: the question on stderr, the answer read
 * from stdin with echo off (raw mode), ended by Enter; Ctrl-C aborts.
 */
import type { Readable, Writable } from 'node:stream';
import { EdgectlError } from '../core/errors.js';
import { Secret } from '../core/secret.js';

export function promptSecret(stdin: Readable & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown }, stderr: Writable, question: string): Promise<Secret> {
  return new Promise((resolve, reject) => {
    if (stdin.isTTY !== true || typeof stdin.setRawMode !== 'function') {
      reject(new EdgectlError('usage', 'a password prompt needs a terminal'));
      return;
    }
    const setRaw = stdin.setRawMode.bind(stdin);
    stderr.write(question);
    setRaw(true);
    let answer = '';
    const done = (err?: Error): void => {
      stdin.off('data', onData);
      setRaw(false);
      stdin.pause();
      stderr.write('\n');
      if (err !== undefined) reject(err);
      else resolve(new Secret(answer));
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new EdgectlError('interrupted', 'interrupted at the password prompt'));
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else answer += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
