/**
 * Rules for credentials (Vault tokens, secret IDs) that are checked before
 * they leave the process, and the scrubbing of any text that might quote one.
 * Pure: no I/O. Nothing here ever puts a credential's value in a message.
 */

/**
 * Why value cannot be a Vault token or secret ID (it would be sent as an HTTP
 * header or must be one), or undefined when it is acceptable: printable ASCII
 * without spaces, 1 to 4096 characters. The reason never contains the value.
 */
export function credentialProblem(value: string): string | undefined {
  if (value.length === 0) return 'it is empty';
  if (value.length > 4096) return `it is ${value.length} characters long (at most 4096)`;
  for (let i = 0; i < value.length; i += 1) {
    const c = value.charCodeAt(i);
    const at = `at character ${i + 1}`;
    if (c === 0x0a || c === 0x0d) return `it contains a line break ${at}`;
    if (c === 0x20 || c === 0x09) return `it contains a space or tab ${at}`;
    if (c < 0x20 || c === 0x7f) return `it contains a control character ${at}`;
    if (c > 0x7e) return `it contains a non-ASCII character ${at}`;
  }
  return undefined;
}

const REDACTED = '[redacted]';

/**
 * text with every occurrence of the given secrets replaced by "[redacted]",
 * and the values that undici quotes in its errors (Headers.append: "<value>"
 * is an invalid header value) removed, whatever they are.
 */
export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  // longest first, so that a secret containing another is replaced whole
  for (const s of [...secrets].filter((x) => x.length >= 4).sort((a, b) => b.length - a.length)) out = out.split(s).join(REDACTED);
  return out
    // undici's webidl errors: `"<value>" is an invalid header value.`; the value may hold quotes and newlines
    .replace(/"[\s\S]*"( is an invalid [A-Za-z ]+)/g, `${REDACTED}$1`);
}

/**
 * A copy of err (and of its causes) whose messages and stacks are scrubbed,
 * for keeping as an EdgectlError's cause: EDGECTL_DEBUG=1 prints causes.
 */
export function scrubbedError(err: unknown, secrets: Iterable<string>, depth = 0): unknown {
  const list = [...secrets];
  if (!(err instanceof Error)) return typeof err === 'string' ? scrubSecrets(err, list) : err;
  const copy = new Error(scrubSecrets(err.message, list));
  copy.name = err.name;
  copy.stack = err.stack === undefined ? undefined : scrubSecrets(err.stack, list);
  const code = (err as NodeJS.ErrnoException).code;
  if (code !== undefined) (copy as NodeJS.ErrnoException).code = code;
  if (err.cause !== undefined && depth < 5) copy.cause = scrubbedError(err.cause, list, depth + 1);
  return copy;
}

/**
 * A line of parser output that quotes raw argument values (commander does):
 * "user:password@" in anything URL-like is redacted and control characters
 * (a newline inside a value) are escaped, so the error stays one line and
 * carries no credential. A final newline is kept.
 */
export function safeParserOutput(text: string): string {
  const end = text.endsWith('\n') ? '\n' : '';
  const body = end === '' ? text : text.slice(0, -1);
  return (
    body
      .replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^\s'"]*@/g, `$1${REDACTED}@`)
      // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped here
      .replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)) + end
  );
}
