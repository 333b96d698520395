/**
 * Progress events written by scripts/rke2.sh to EDGECTL_EVENTS_FD:
 * one line per event, "<type>\t<step>\t<message>".
 */
export type ScriptEventType = 'start' | 'done' | 'fail' | 'skip' | 'info' | 'warn';

export interface ScriptEvent {
  type: ScriptEventType;
  step: string;
  message: string;
}

const TYPES = new Set<string>(['start', 'done', 'fail', 'skip', 'info', 'warn']);

/** Parse one event line; undefined for anything that is not a well-formed event. */
export function parseScriptEvent(line: string): ScriptEvent | undefined {
  const parts = line.replace(/\r?\n$/, '').split('\t');
  if (parts.length < 2) return undefined;
  const [type, step, ...rest] = parts;
  if (type === undefined || step === undefined || !TYPES.has(type) || !/^[a-z][a-z0-9-]*$/.test(step)) return undefined;
  return { type: type as ScriptEventType, step, message: rest.join('\t') };
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
};
