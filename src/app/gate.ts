/**
 * The mutation gate: the one way a step or phase changes a host or Vault.
 * A real run records the description and runs fn; a dry run records only, so
 * the dry-run plan is, by construction, the list of changes a real run makes.
 */

/** The one way a step changes a host or Vault. */
export interface Gate {
  readonly dryRun: boolean;
  /** describe a change (one line, never a secret) and make it; a dry run records it and returns undefined */
  change<T>(description: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** a plan line that is not a change (why nothing changes, what a change involves) */
  note(line: string): void;
}

/** The gate of a real run (runs fn, records the change) or of a dry run (records only). */
export class RecordingGate implements Gate {
  readonly lines: string[] = [];
  readonly changes: string[] = [];
  constructor(readonly dryRun: boolean) {}

  async change<T>(description: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.dryRun) {
      this.lines.push(description);
      this.changes.push(description);
      return undefined;
    }
    const value = await fn();
    this.lines.push(description);
    this.changes.push(description);
    return value;
  }

  note(line: string): void {
    this.lines.push(line);
  }
}

