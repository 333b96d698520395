import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import { type RequestInfo, VAULT_REASON_KINDS, VaultError, isTlsFailure, serverErrors, vaultErrorFromNetwork, vaultErrorFromResponse } from './vault-errors.js';

const req: RequestInfo = { method: 'GET', path: 'kv/data/rke2/rke2-abc12345', capability: 'read', address: 'https://vault:8200', namespace: undefined };

describe('Vault error mapping', () => {
  it('maps every reason to the documented exit code', () => {
    const codes = Object.fromEntries(Object.entries(VAULT_REASON_KINDS).map(([r, k]) => [r, EXIT_CODES[k]]));
    expect(codes).toEqual({
      unreachable: 4,
      tls: 4,
      sealed: 4,
      'rate-limited': 4,
      denied: 5,
      auth: 5,
      namespace: 5,
      'not-found': 6,
      deleted: 6,
      'cas-conflict': 6,
      'kv-version': 6,
      'bad-request': 6,
    });
  });

  it.each([
    [403, ['permission denied'], 'denied'],
    [404, [], 'not-found'],
    [404, ['namespace not found'], 'namespace'],
    [400, ['check-and-set parameter did not match the current version'], 'cas-conflict'],
    [400, ['something else'], 'bad-request'],
    [401, ['missing client token'], 'auth'],
    [412, [], 'unreachable'],
    [429, ['request path "kv/data/x": rate limit quota exceeded'], 'rate-limited'],
    [503, ['Vault is sealed'], 'sealed'],
    [503, ['standby'], 'unreachable'],
    [500, ['internal error'], 'unreachable'],
    [501, [], 'sealed'],
    [418, [], 'bad-request'],
  ] as const)('HTTP %i %j → %s', (status, errors, reason) => {
    const err = vaultErrorFromResponse(req, status, errors);
    expect(err).toBeInstanceOf(VaultError);
    expect(err.reason).toBe(reason);
    expect(err.status).toBe(status);
  });

  it('names the path, the namespace and the missing capability on 403', () => {
    const err = vaultErrorFromResponse({ ...req, method: 'POST', capability: 'create', namespace: 'team-a' }, 403, ['permission denied']);
    expect(err.message).toBe('permission denied: POST kv/data/rke2/rke2-abc12345 in namespace "team-a" needs the "create" capability on kv/data/rke2/rke2-abc12345 in the token\'s policy');
    expect(err.exitCode).toBe(5);
    expect(err.hint).toMatch(/vault check/);
  });

  it('treats refused credentials on a login as auth, whatever the status', () => {
    expect(vaultErrorFromResponse({ ...req, login: true }, 400, ['invalid role or secret ID']).reason).toBe('auth');
    expect(vaultErrorFromResponse({ ...req, login: true }, 403, ['permission denied']).reason).toBe('auth');
  });

  it('says how many retries were spent', () => {
    expect(vaultErrorFromResponse(req, 429, [], 2).message).toMatch(/\(after 2 retries\)/);
    expect(vaultErrorFromResponse(req, 503, ['Vault is sealed'], 1).message).toMatch(/sealed \(after 1 retry\)/);
  });

  it('cleans Vault multierror text', () => {
    expect(serverErrors({ errors: ['1 error occurred:\n\t* permission denied\n\n'] })).toEqual(['permission denied']);
    expect(serverErrors({ errors: ['2 errors occurred:\n\t* a\n\t* b\n\n', 'c'] })).toEqual(['a', 'b', 'c']);
    expect(serverErrors(undefined)).toEqual([]);
    expect(serverErrors({ errors: 'x' })).toEqual([]);
  });
});

describe('network failures', () => {
  const fetchFailed = (code: string, message: string): Error => {
    const cause = Object.assign(new Error(message), { code });
    return new TypeError('fetch failed', { cause });
  };

  it('maps refused connections to unreachable with the cause', () => {
    const err = vaultErrorFromNetwork(req, fetchFailed('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1'), 60_000, 2);
    expect(err.reason).toBe('unreachable');
    expect(err.exitCode).toBe(4);
    expect(err.message).toBe('cannot reach Vault at https://vault:8200 (GET kv/data/rke2/rke2-abc12345): ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1 (after 2 retries)');
  });

  it('maps certificate failures to tls, and never retries them', () => {
    const e = fetchFailed('UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'unable to verify the first certificate');
    expect(isTlsFailure(e)).toBe(true);
    const err = vaultErrorFromNetwork(req, e, 60_000);
    expect(err.reason).toBe('tls');
    expect(err.hint).toMatch(/VAULT_CACERT/);
    expect(isTlsFailure(fetchFailed('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames"))).toBe(true);
    expect(isTlsFailure(fetchFailed('ECONNRESET', 'socket hang up'))).toBe(false);
  });

  it('reports a timeout with the limit', () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(vaultErrorFromNetwork(req, timeout, 2500).message).toMatch(/no answer within 2\.5s/);
  });
});
