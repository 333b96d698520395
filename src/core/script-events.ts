/**
 * Progress events written by scripts/rke2.sh to EDGECTL_EVENTS_FD:
 * one line per event, "<type>\t<step>\t<message>". With EDGECTL_EVENTS=stderr
 * (a transport with only stdin, stdout and stderr, such as SSH) the same lines
 * go to stderr behind STDERR_EVENT_PREFIX. `change` events (one per change the
 * run makes, its dry-run description) come only with EDGECTL_CHANGE_EVENTS=1.
 */
export type ScriptEventType = 'start' | 'done' | 'fail' | 'skip' | 'info' | 'warn' | 'change';

export interface ScriptEvent {
  type: ScriptEventType;
  step: string;
  message: string;
}

const TYPES = new Set<string>(['start', 'done', 'fail', 'skip', 'info', 'warn', 'change']);

/** Parse one event line; undefined for anything that is not a well-formed event. */
export function parseScriptEvent(line: string): ScriptEvent | undefined {
  const parts = line.replace(/\r?\n$/, '').split('\t');
  if (parts.length < 2) return undefined;
  const [type, step, ...rest] = parts;
  if (type === undefined || step === undefined || !TYPES.has(type) || !/^[a-z][a-z0-9-]*$/.test(step)) return undefined;
  return { type: type as ScriptEventType, step, message: rest.join('\t') };
}

/** What starts an event line on stderr when the script runs with EDGECTL_EVENTS=stderr. */
export const STDERR_EVENT_PREFIX = '@edgectl-event\t';

/**
 * The event carried by one stderr line of a script run with EDGECTL_EVENTS=stderr;
 * undefined for an ordinary stderr line (a log line, the installer's output) and
 * for a prefixed line that is not a well-formed event.
 */
export function parseStderrEvent(line: string): ScriptEvent | undefined {
  if (!line.startsWith(STDERR_EVENT_PREFIX)) return undefined;
  return parseScriptEvent(line.slice(STDERR_EVENT_PREFIX.length));
}

/** Exit codes of scripts/rke2.sh and what they mean (scripts/README.md). */
export const SCRIPT_EXIT_MEANING: Readonly<Record<number, string>> = {
  1: 'unexpected failure',
  2: 'invalid input',
  3: 'precondition failed',
  4: 'the RKE2 installer failed',
  5: 'the RKE2 service failed to start',
  6: 'timed out waiting for RKE2 to be ready',
  7: 'aborted by the user',
  130: 'interrupted by SIGINT',
  143: 'interrupted by SIGTERM',
};

/**
 * What the operator should do after a script failed with EXIT: for a readiness
 * timeout (6) where to look, named after the unit in the failure message.
 */
export function scriptFailureHint(exit: number, failure: string | undefined): string {
  const rerun = 'fix the cause and re-run the same command';
  if (exit === 6) {
    const role = /\brke2-(server|agent)\b/.exec(failure ?? '')?.[1];
    const unit = role === undefined ? 'rke2-server or rke2-agent' : `rke2-${role}`;
    const ports =
      role === 'agent'
        ? 'check that this node reaches the server on ports 9345 and 6443'
        : 'check that ports 6443 (API) and 9345 (registration) are free here (ss -ltnp) and reachable from the other nodes';
    return `the condition that did not hold is named above; look at \`journalctl -u ${unit} -n 100\` and ${ports}; ${rerun} (EDGECTL_DEBUG=1 shows the script output)`;
  }
  return `re-run with EDGECTL_DEBUG=1 to see the script output; ${rerun}`;
}

