/** The HTTP layer's errors never carry a credential, even one that slipped past validation. */
import { describe, expect, it } from 'vitest';
import { Secret } from '../../core/secret.js';
import { VaultClient } from './client.js';
import type { VaultConfig } from '../../core/vault-config.js';

const config = (token: string): VaultConfig => ({
  address: 'http://127.0.0.1:9',
  addressSource: 'VAULT_ADDR',
  namespace: undefined,
  mount: 'kv',
  tls: { caCertFile: undefined, caPath: undefined, clientCertFile: undefined, clientKeyFile: undefined, insecureSkipVerify: false, serverName: undefined },
  timeoutMs: 2000,
  maxRetries: 0,
  // built by hand: resolveVaultConfig would refuse this token before any request
  auth: { method: 'token', source: 'VAULT_TOKEN', token: new Secret(token) },
  warnings: [],
});

describe('VaultClient error scrubbing', () => {
  it('a token undici refuses as a header value is not quoted in the error, its hint or its causes', async () => {
    const token = 'hvs.SCRUBME-1234\nsecond-line';
    const client = new VaultClient(config(token));
    const err = await client.request({ method: 'GET', path: 'kv/data/x' }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    await client.close();
    expect(err).toBeInstanceOf(Error);
    const seen: string[] = [];
    for (let e: unknown = err, depth = 0; e instanceof Error && depth < 6; e = e.cause, depth += 1) seen.push(e.message, e.stack ?? '');
    seen.push((err as { hint?: string }).hint ?? '');
    const text = seen.join('\n');
    expect(text).toContain('invalid header value'); // the undici error was really hit
    expect(text).not.toContain('SCRUBME');
    expect(text).not.toContain('second-line');
  });
});
