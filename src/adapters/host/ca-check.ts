/**
 * Before a node joins, check that the server at the registration URL is the
 * cluster the token belongs to: the sha256 of the CA bundle it serves at
 * /cacerts must equal the hash in the K10 token, and the server's own
 * certificate must chain to that CA. This is the same trust-on-token check
 * RKE2's agent makes, done before anything is installed.
 */
import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { connect } from 'node:tls';
import { Agent, fetch } from 'undici';
import { EdgectlError } from '../../core/errors.js';
import type { CaCheckResult } from '../../core/ports.js';

export type { CaCheckResult };

/** Fetch <server>/cacerts and compare its sha256 with expectedHash; throws a trust error on mismatch. */
export async function verifyServerCa(serverUrl: string, expectedHash: string, timeoutMs = 10_000): Promise<CaCheckResult> {
  const url = new URL('/cacerts', serverUrl);
  await verifyResolves(url, timeoutMs);
  // The first fetch cannot verify TLS (we do not have the CA yet); the hash check below is the verification.
  const insecure = new Agent({ connect: { rejectUnauthorized: false, timeout: timeoutMs } });
  let body: Buffer;
  try {
    const res = await fetch(url, { dispatcher: insecure, signal: AbortSignal.timeout(timeoutMs) });
    if (res.status !== 200) {
      throw new EdgectlError('trust', `${url.href} answered HTTP ${res.status}, not the cluster CA`, {
        hint: 'check that --server / the registered server URL points at an RKE2 server (port 9345)',
      });
    }
    body = Buffer.from(await res.arrayBuffer());
  } catch (err) {
    if (err instanceof EdgectlError) throw err;
    const dns = nameResolutionFailure(err);
    if (dns !== undefined) throw dnsProblem(url, dns, err);
    throw new EdgectlError('trust', `cannot reach the RKE2 server at ${url.origin} to check its CA: ${describe(err)}`, {
      hint: 'check the server is up and reachable on port 9345 from this host (or pass --skip-ca-check to join without the check)',
      cause: err,
    });
  } finally {
    await insecure.close();
  }
  const caHash = createHash('sha256').update(body).digest('hex');
  if (caHash !== expectedHash) {
    throw new EdgectlError('trust', `the server at ${url.origin} presents a CA whose sha256 (${caHash.slice(0, 16)}…) does not match the join token (${expectedHash.slice(0, 16)}…)`, {
      hint: 'this is not the cluster the token belongs to: check the server address (--server) and the cluster ID',
    });
  }
  // The server's own certificate must chain to that CA (identity is not checked:
  // servers are reached by IP or any SAN). A TLS handshake that trusts only that
  // CA proves it; a second request would add a round trip and nothing else.
  try {
    await handshakeTrusting(url, body.toString('utf8'), timeoutMs);
  } catch (err) {
    throw new EdgectlError('trust', `the server at ${url.origin} serves the cluster CA but its certificate is not signed by it: ${describe(err)}`, { cause: err });
  }
  return { caHash };
}

/** Complete a TLS handshake with url's host, trusting only the PEM bundle ca; resolves when the chain verifies. */
function handshakeTrusting(url: URL, ca: string, timeoutMs: number): Promise<void> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: url.port === '' ? 443 : Number(url.port),
      ca,
      // SNI only for names, as undici does (an IP address is not a valid server name)
      ...(isIP(host) === 0 ? { servername: host } : {}),
      checkServerIdentity: () => undefined,
      rejectUnauthorized: true,
      timeout: timeoutMs,
    });
    socket.once('secureConnect', () => {
      socket.end();
      resolve();
    });
    socket.once('timeout', () => socket.destroy(new Error(`TLS handshake timed out after ${timeoutMs} ms`)));
    socket.once('error', reject);
  });
}

/**
 * A server name must resolve before its CA can be checked. A name that does not
 * resolve (or whose lookup times out) is a DNS problem, not a trust problem:
 * skipping the CA check would not make it resolve for RKE2 either.
 */
async function verifyResolves(url: URL, timeoutMs: number): Promise<void> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) !== 0) return;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`lookup timed out after ${timeoutMs} ms`), { code: 'ETIMEOUT' })), timeoutMs);
  });
  try {
    await Promise.race([lookup(host), timeout]);
  } catch (err) {
    throw dnsProblem(url, nameResolutionFailure(err) ?? 'lookup failed', err);
  } finally {
    clearTimeout(timer);
  }
}

function dnsProblem(url: URL, code: string, cause: unknown): EdgectlError {
  return new EdgectlError('precondition', `the RKE2 server name ${url.hostname} (from ${url.origin}) does not resolve on this host (${code}): a DNS problem, not a CA mismatch`, {
    hint: `make ${url.hostname} resolvable here (DNS or /etc/hosts), or pass --server https://ADDRESS:9345; if the registered URL is wrong, fix it on the first server with edgectl rke2 server --advertise-address ADDRESS --update-server-url`,
    cause,
  });
}

/** The resolver's code (ENOTFOUND, EAI_AGAIN…) when err is a failed name lookup, else undefined. */
function nameResolutionFailure(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; e = (e as Error & { cause?: unknown }).cause, depth += 1) {
    const code = (e as Error & { code?: unknown }).code;
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_NODATA' || code === 'EAI_FAIL' || code === 'ETIMEOUT') return code;
  }
  return undefined;
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? cause.message : err.message;
  }
  return String(err);
}
