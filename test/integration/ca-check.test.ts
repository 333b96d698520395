/**
 * verifyServerCa against real HTTPS servers on loopback with certificates made
 * by openssl: the CA bundle's sha256 must match the token's hash, and the
 * server's own certificate must chain to that CA; every failure is a trust
 * error (exit 8) naming the server.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyServerCa } from '../../src/adapters/host/ca-check.js';
import { EdgectlError } from '../../src/core/errors.js';
import { freePort } from '../support/openbao.js';

let dir: string;
const servers: Server[] = [];

function openssl(args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A self-signed CA named `name` (name.key, name.crt). */
function makeCa(name: string): string {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  openssl(['req', '-x509', '-new', '-key', `${name}.key`, '-sha256', '-days', '30', '-subj', `/CN=${name}`, '-out', `${name}.crt`]);
  return readFileSync(join(dir, `${name}.crt`), 'utf8');
}

/** A serving certificate for 127.0.0.1 signed by CA `ca`. */
function makeLeaf(name: string, ca: string): { key: string; cert: string } {
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  openssl(['req', '-new', '-key', `${name}.key`, '-subj', '/CN=rke2-supervisor', '-out', `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '30', '-sha256', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
  return { key: readFileSync(join(dir, `${name}.key`), 'utf8'), cert: readFileSync(join(dir, `${name}.crt`), 'utf8') };
}

/** An HTTPS server on loopback with `tls`, answering /cacerts with `body` (or `status`). */
async function serve(tls: { key: string; cert: string }, body: string, status = 200): Promise<string> {
  const server = createServer(tls, (req, res) => {
    if (req.url === '/cacerts' && status === 200) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(body);
    } else {
      res.writeHead(status === 200 ? 404 : status).end();
    }
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

async function trustError(p: Promise<unknown>): Promise<EdgectlError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EdgectlError);
  const e = err as EdgectlError;
  expect(e.kind).toBe('trust');
  expect(e.exitCode).toBe(8);
  return e;
}

let ca1: string;
let leaf1: { key: string; cert: string };
let leaf2: { key: string; cert: string };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'edgectl-ca-check-'));
  ca1 = makeCa('ca1');
  makeCa('ca2');
  leaf1 = makeLeaf('leaf1', 'ca1');
  leaf2 = makeLeaf('leaf2', 'ca2');
});

afterAll(async () => {
  for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe('verifyServerCa', () => {
  it('accepts a server whose CA bundle matches the hash and whose certificate chains to it', async () => {
    const url = await serve(leaf1, ca1);
    await expect(verifyServerCa(url, sha256(ca1))).resolves.toEqual({ caHash: sha256(ca1) });
  });

  it('refuses a CA bundle whose sha256 is not the token\'s', async () => {
    const url = await serve(leaf1, ca1);
    const e = await trustError(verifyServerCa(url, 'ab'.repeat(32)));
    expect(e.message).toMatch(/presents a CA whose sha256 .* does not match the join token/);
  });

  it('refuses a server that serves the right CA bundle but holds a certificate from another CA', async () => {
    const url = await serve(leaf2, ca1);
    const e = await trustError(verifyServerCa(url, sha256(ca1)));
    expect(e.message).toContain(`the server at ${url} serves the cluster CA but its certificate is not signed by it`);
  });

  it('refuses an answer other than 200', async () => {
    const url = await serve(leaf1, ca1, 404);
    const e = await trustError(verifyServerCa(url, sha256(ca1)));
    expect(e.message).toContain('answered HTTP 404');
  });

  it('reports a server name that does not resolve as a DNS problem (exit 3), never suggesting --skip-ca-check', async () => {
    const err = await verifyServerCa('https://rke2-server.invalid:9345', sha256(ca1), 5000).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EdgectlError);
    const e = err as EdgectlError;
    expect(e.exitCode).toBe(3);
    expect(e.message).toContain('rke2-server.invalid');
    expect(e.message).toContain('does not resolve on this host');
    expect(e.message).toContain('a DNS problem');
    expect(e.hint).toContain('--update-server-url');
    expect(`${e.message} ${e.hint ?? ''}`).not.toContain('--skip-ca-check');
  });

  it('reports an unreachable server as a trust error with a hint', async () => {
    const port = await freePort();
    const e = await trustError(verifyServerCa(`https://127.0.0.1:${port}`, sha256(ca1), 2000));
    expect(e.message).toContain(`cannot reach the RKE2 server at https://127.0.0.1:${port}`);
    expect(e.hint).toContain('--skip-ca-check');
  });
});
