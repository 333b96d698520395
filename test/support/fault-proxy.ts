/**
 * A fault injector in front of a real OpenBao: an HTTP proxy that forwards
 * every request unchanged, except those matched by an injected fault, which get
 * a scripted answer (a status, a 307 redirect, a dropped connection) or are
 * forwarded and then answered with an error (a response lost on the way back).
 * It records every request (method, path, headers) and the peak number of
 * requests in flight, so tests can check retries, headers and concurrency.
 * The Vault behind it is real; only the failures are staged.
 */
import { type IncomingMessage, type ServerResponse, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  /** path and query, e.g. /v1/kv/metadata/rke2?list=true */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** the fault that answered it, if any */
  fault: string | undefined;
}

export type FaultAction =
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
  | { kind: 'redirect'; location: string; status?: 307 | 308 }
  | { kind: 'reset' }
  /** forward to OpenBao (so the change happens), then answer the client with this status instead */
  | { kind: 'lose-response'; status: number }
  /** never forward or answer (the request hangs until the proxy closes); onHold runs when it arrives */
  | { kind: 'hold'; onHold?: () => void };

export interface Fault {
  name: string;
  /** which requests it applies to (default: all) */
  match?: (req: { method: string; url: string }) => boolean;
  /** how many matching requests it answers before it is used up (default 1) */
  times?: number;
  action: FaultAction;
}

export interface FaultProxy {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** the most requests that were in flight at once */
  readonly peakInFlight: number;
  inject(fault: Fault): void;
  /** forget recorded requests, the peak and remaining faults */
  reset(): void;
  close(): Promise<void>;
}

/** Start a proxy on 127.0.0.1 (or opts.host) forwarding to target (an http:// OpenBao address). */
export async function startFaultProxy(target: string, opts: { host?: string } = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  const faults: Array<Fault & { left: number }> = [];
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let peak = 0;

  const forward = (req: IncomingMessage, body: Buffer, onAnswer: (status: number, headers: Record<string, string | string[] | undefined>, data: Buffer) => void): void => {
    const headers = { ...req.headers, host: upstream.host };
    const up = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => onAnswer(res.statusCode ?? 502, res.headers, Buffer.concat(chunks)));
    });
    up.on('error', () => onAnswer(502, {}, Buffer.from('{"errors":["proxy: upstream failed"]}')));
    up.end(body);
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      const done = (): void => {
        inFlight -= 1;
      };
      const method = req.method ?? 'GET';
      const url = req.url ?? '/';
      const fault = faults.find((f) => f.left > 0 && (f.match?.({ method, url }) ?? true));
      if (fault !== undefined) fault.left -= 1;
      requests.push({ method, url, headers: { ...req.headers }, fault: fault?.name });
      const body = Buffer.concat(chunks);
      const action = fault?.action;
      if (action === undefined) {
        forward(req, body, (status, headers, data) => {
          const h = { ...headers };
          delete h['transfer-encoding'];
          delete h.connection;
          res.writeHead(status, h);
          res.end(data, done);
        });
        return;
      }
      switch (action.kind) {
        case 'status':
          res.writeHead(action.status, { 'Content-Type': 'application/json', ...action.headers });
          res.end(JSON.stringify(action.body ?? { errors: [`injected ${action.status}`] }), done);
          return;
        case 'redirect':
          res.writeHead(action.status ?? 307, { Location: action.location });
          res.end(done);
          return;
        case 'reset':
          done();
          req.socket.destroy();
          return;
        case 'lose-response':
          forward(req, body, () => {
            res.writeHead(action.status, { 'Content-Type': 'application/json' });
            res.end(JSON.stringify({ errors: ['injected: the response was lost'] }), done);
          });
          return;
        case 'hold':
          done();
          action.onHold?.();
          return;
      }
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((r) => server.listen(0, host, r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    requests,
    get peakInFlight() {
      return peak;
    },
    inject(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    reset() {
      requests.length = 0;
      faults.length = 0;
      peak = 0;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
