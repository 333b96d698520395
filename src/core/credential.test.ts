import { describe, expect, it } from 'vitest';
import { credentialProblem, safeParserOutput, scrubSecrets, scrubbedError } from './credential.js';

describe('credentialProblem', () => {
  it.each([
    ['hvs.CAESIabc-_.', undefined],
    ['s.abcdefgh', undefined],
    ['', /empty/],
    ['abc\ndef', /line break at character 4/],
    ['abc\r\n', /line break/],
    ['abc def', /space or tab/],
    ['abc\tdef', /space or tab/],
    ['abc\u0001def', /control character/],
    ['abc\u007fdef', /control character/],
    ['abcé', /non-ASCII/],
    ['x'.repeat(5000), /at most 4096/],
  ])('%j → %s', (value, expected) => {
    const problem = credentialProblem(value);
    if (expected === undefined) expect(problem).toBeUndefined();
    else {
      expect(problem).toMatch(expected);
      // the reason never carries the value
      if (value.length > 3) expect(problem).not.toContain(value.slice(0, 4));
    }
  });
});

describe('scrubSecrets', () => {
  it('replaces every known secret, longest first', () => {
    expect(scrubSecrets('a TOKEN1234 b TOKEN1234xyz c', ['TOKEN1234', 'TOKEN1234xyz'])).toBe('a [redacted] b [redacted] c');
  });

  it('removes the value undici quotes in a header error, quotes and newlines included', () => {
    const msg = 'Headers.append: "SECRET\n"x" is an invalid header value.';
    const out = scrubSecrets(msg, []);
    expect(out).toBe('Headers.append: [redacted] is an invalid header value.');
  });

  it('keeps short strings (no accidental redaction of every "a")', () => {
    expect(scrubSecrets('a b c', ['a'])).toBe('a b c');
  });

  it('scrubs an error chain, stacks included, keeping names and codes', () => {
    const inner = Object.assign(new TypeError('Headers.append: "TOPSECRET" is an invalid header value.'), { code: 'ERR_X' });
    const outer = new TypeError('fetch failed TOPSECRET', { cause: inner });
    const copy = scrubbedError(outer, ['TOPSECRET']) as Error;
    expect(JSON.stringify([copy.message, copy.stack, (copy.cause as Error).message, (copy.cause as Error).stack])).not.toContain('TOPSECRET');
    expect((copy.cause as NodeJS.ErrnoException).code).toBe('ERR_X');
    expect(copy.name).toBe('TypeError');
  });
});

describe('safeParserOutput', () => {
  it('escapes control characters, keeps the final newline, redacts URL userinfo', () => {
    expect(safeParserOutput("error: argument 'a\nb\u0001' is invalid.\n")).toBe("error: argument 'a\\nb\\u0001' is invalid.\n");
    expect(safeParserOutput("error: argument 'https://u:PW/x@[::1' is invalid. --server is not a URL\n")).toBe("error: argument 'https://[redacted]@[::1' is invalid. --server is not a URL\n");
    expect(safeParserOutput('plain text')).toBe('plain text');
  });
});
