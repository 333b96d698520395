/**
 * Reading files that hold secrets or trust (token files, secret ID files,
 * ~/.vault-token, CA bundles, client keys). Opened without blocking and checked
 * with fstat on the opened descriptor before a byte is read: a FIFO, a device
 * or a directory is refused at once (a FIFO would block edgectl forever), and
 * what was checked is what is read (no stat-then-open race).
 */
import { constants, promises as fs } from 'node:fs';
import { EdgectlError } from '../../core/errors.js';
import type { SecretFileContent, SecretFileRules } from '../../core/ports.js';
import { showPath } from '../../core/show-path.js';

export type { SecretFileContent, SecretFileRules };
export { showPath };

/** What kind of file a stat describes, for messages. */
function fileKind(st: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean }): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/** Read a secret file by the rules; precondition errors (exit 3) name the file and the problem, never its content. */
export async function readSecretFile(path: string, rules: SecretFileRules & { missingOk: true }): Promise<SecretFileContent | undefined>;
export async function readSecretFile(path: string, rules: SecretFileRules): Promise<SecretFileContent>;
export async function readSecretFile(path: string, rules: SecretFileRules): Promise<SecretFileContent | undefined> {
  const { what } = rules;
  const shown = showPath(path);
  if (path === '') throw new EdgectlError('usage', `${what}: empty path`);
  let handle: fs.FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading must not wait for a writer
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && rules.missingOk === true) return undefined;
    throw new EdgectlError('precondition', `${what}: cannot read ${shown}: ${code ?? (err as Error).message}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) {
      throw new EdgectlError('precondition', `${what}: ${shown} is ${fileKind(st)}; it must be a regular file`);
    }
    const mode = st.mode & 0o777;
    if (rules.modes !== undefined && !rules.modes.includes(mode)) {
      const allowed = rules.modes.map((m) => `0${m.toString(8)}`).join(' or ');
      throw new EdgectlError('precondition', `${what}: ${shown} has mode ${mode.toString(8)}; it must be ${allowed}`, {
        hint: `chmod ${(rules.modes[0] ?? 0o600).toString(8)} ${shown}`,
      });
    }
    if (rules.uid !== undefined && st.uid !== rules.uid) {
      throw new EdgectlError('precondition', `${what}: ${shown} must be owned by the user running edgectl (uid ${rules.uid}), not uid ${st.uid}`);
    }
    const max = rules.maxBytes ?? 1024 * 1024;
    if (st.size > max) throw new EdgectlError('precondition', `${what}: ${shown} is ${st.size} bytes; at most ${max} expected`);
    const text = await handle.readFile('utf8');
    return { text, mode };
  } finally {
    await handle.close();
  }
}
