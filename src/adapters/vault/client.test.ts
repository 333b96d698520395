import { describe, expect, it } from 'vitest';
import { extractSecretId } from './client.js';

describe('secret ID files', () => {
  it('take a plain secret ID or a wrapping token as it is (trimmed)', () => {
    expect(extractSecretId('  3f1c0d7e-aaaa-bbbb-cccc-123456789abc\n')).toBe('3f1c0d7e-aaaa-bbbb-cccc-123456789abc');
    expect(extractSecretId('s.AbCdEfGhIjKlMnOp\n')).toBe('s.AbCdEfGhIjKlMnOp');
  });

  it('take the wrapping token out of `bao write -wrap-ttl -format=json` output', () => {
    expect(extractSecretId(JSON.stringify({ wrap_info: { token: 's.wrapped123456', ttl: 600 } }))).toBe('s.wrapped123456');
    expect(extractSecretId(JSON.stringify({ data: { secret_id: 'plain-id' } }))).toBe('plain-id');
  });
});
