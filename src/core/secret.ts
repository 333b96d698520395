/**
 * A secret value (token, secret ID) that cannot leak by accident: it prints,
 * stringifies and serializes as "[redacted]"; only reveal() gives the value,
 * at the one place that sends it (an HTTP header, a 0600 file).
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The actual value; call it only where the secret leaves the process on its narrow path. */
  reveal(): string {
    return this.#value;
  }

  /** Whether the secret is the empty string (a cluster still bootstrapping has no token yet). */
  isEmpty(): boolean {
    return this.#value === '';
  }

  /** Compare with another secret (or a value read from a file) without revealing either. */
  equals(other: Secret | string): boolean {
    return this.#value === (other instanceof Secret ? other.#value : other);
  }

  toString(): string {
    return '[redacted]';
  }

  toJSON(): string {
    return '[redacted]';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'Secret([redacted])';
  }
}
