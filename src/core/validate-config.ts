/**
 * The operator's --config-file, checked before rke2.sh copies it into the
 * drop-in: size, YAML that is a mapping, no key edgectl or a flag owns (the
 * join token, the server, what the flags set), however it is spelled, and
 * the simple line form rke2.sh itself can check without a YAML parser
 * (mirrored here so both sides refuse the same files). Pure: no I/O.
 */
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import type { InstallOptions } from './install-options.js';

/** The largest config file accepted, in bytes (rke2.sh has the same limit). */
export const MAX_CONFIG_BYTES = 64 * 1024;

/** Keys a config file may never set: the join token and the server come only from flags and Vault. */
export const TOKEN_AND_SERVER_KEYS = ['token', 'agent-token', 'token-file', 'agent-token-file', 'server'] as const;

// rke2.sh verify_config_file: a top-level line is a plain key, a colon, then whitespace or the end
const PLAIN_KEY_LINE = /^([A-Za-z0-9_][A-Za-z0-9_.-]*):([ \t\r\n\v\f].*)?$/;

/** The drop-in keys the install flags set (rke2.sh render_dropin), which the config file must leave alone. */
export function keysSetByFlags(o: InstallOptions): string[] {
  const keys: string[] = [];
  if (o.nodeName !== undefined) keys.push('node-name');
  if (o.tlsSan.length > 0) keys.push('tls-san');
  if (o.nodeLabel.length > 0) keys.push('node-label');
  if (o.nodeTaint.length > 0) keys.push('node-taint');
  if (o.cni !== undefined) keys.push('cni');
  if (o.profile !== undefined) keys.push('profile');
  return keys;
}

function ownedKeyProblem(file: string, key: string, flagKeys: readonly string[]): string | undefined {
  if (key === 'server') return `config file ${file} sets 'server'; use --server (or the cluster in Vault) instead`;
  if ((TOKEN_AND_SERVER_KEYS as readonly string[]).includes(key)) return `config file ${file} sets '${key}'; the join token comes from Vault or --token-file, never from a config file`;
  if (flagKeys.includes(key)) return `config file ${file} sets '${key}', which a flag already sets`;
  return undefined;
}

/** The first line rke2.sh's simple form refuses (1-based), or undefined when every line is in it. */
export function firstNonSimpleLine(text: string): number | undefined {
  let seenKey = false;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const [i, line] of lines.entries()) {
    if (/^[ \t\r\v\f]*$/.test(line) || /^[ \t\r\v\f]*#/.test(line)) continue;
    if (PLAIN_KEY_LINE.test(line)) {
      seenKey = true;
      continue;
    }
    if (seenKey && (line.startsWith(' ') || line === '-' || line.startsWith('- '))) continue;
    return i + 1;
  }
  return undefined;
}

/**
 * Every problem with a config file's content (empty when it can be used):
 * `file` names it in the messages, which never quote its content.
 */
export function configFileProblems(file: string, text: string, flagKeys: readonly string[]): string[] {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) return [`config file ${file} is ${Math.ceil(bytes / 1024)} KiB; at most ${MAX_CONFIG_BYTES / 1024} KiB`];
  if (text.includes('\0')) return [`config file ${file} contains NUL bytes; it is not YAML`];
  const doc = parseDocument(text, { uniqueKeys: true, merge: false, prettyErrors: false });
  if (doc.errors.length > 0) {
    const at = doc.errors[0]?.linePos?.[0];
    return [`config file ${file} is not valid YAML${at === undefined ? '' : ` (line ${at.line}, column ${at.col})`}`];
  }
  const problems: string[] = [];
  const contents = doc.contents;
  if (contents !== null && !(isScalar(contents) && contents.value === null)) {
    if (!isMap(contents)) return [`config file ${file} must be a YAML mapping of RKE2 settings (key: value), not a ${isSeq(contents) ? 'list' : 'single value'}`];
    for (const pair of contents.items) {
      const key = pair.key;
      if (!isScalar(key) || typeof key.value !== 'string') {
        problems.push(`config file ${file} has a key that is not a plain name`);
        continue;
      }
      if (key.value === '<<') {
        problems.push(`config file ${file} uses a merge key (<<); write the settings out`);
        continue;
      }
      const owned = ownedKeyProblem(file, key.value, flagKeys);
      if (owned !== undefined) problems.push(owned);
      else if (key.type !== 'PLAIN') problems.push(`config file ${file} quotes the key '${key.value.slice(0, 60)}'; write keys unquoted`);
    }
  }
  const line = firstNonSimpleLine(text);
  if (problems.length === 0 && line !== undefined) {
    problems.push(`config file ${file} line ${line} is not a plain 'key: value' line, a list item or an indented continuation (quoted keys, '?', '{', '<<', anchors and documents markers are refused)`);
  }
  return problems;
}
