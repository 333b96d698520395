import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Secret } from '../core/secret.js';
import { writeSecretLine } from './secret-output.js';

function written(secret: string, newline: 'always' | 'if-missing'): string {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  writeSecretLine(stream, new Secret(secret), newline);
  stream.end();
  return text;
}

describe('writeSecretLine: a secret on stdout, byte for byte', () => {
  it.each([
    ['K10abc::server:x', 'always', 'K10abc::server:x\n'],
    ['ends\n', 'always', 'ends\n\n'],
    ['apiVersion: v1\n', 'if-missing', 'apiVersion: v1\n'],
    ['apiVersion: v1', 'if-missing', 'apiVersion: v1\n'],
  ] as const)('%j with %s newline', (secret, newline, expected) => {
    expect(written(secret, newline)).toBe(expected);
  });
});
