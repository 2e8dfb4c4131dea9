// A real HTTP proxy in front of a real registry that injects the failures registries and networks
// produce (5xx, 429 with Retry-After, hangs, resets), and records what it saw.
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = { status: number; headers?: Record<string, string> } | 'hang' | 'reset';

export interface SeenRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  /** The status sent back, or the fault applied. */
  outcome: number | 'hang' | 'reset';
}

export interface FaultProxyOptions {
  /** Answer 401 with this challenge unless the request carries matching Basic credentials. */
  requireBasic?: { username: string; password: string };
  /** Answer every /v2/ request with 401 and this WWW-Authenticate value. */
  challenge?: string;
  /** Redirect blob GETs to this origin (e.g. another proxy), as registries backed by object storage do. */
  redirectBlobsTo?: string;
  /** Delay before forwarding, so that concurrent requests overlap measurably. */
  delayMs?: number;
  /** Edits the registry's response headers on their way back (drop or falsify Docker-Content-Digest). */
  editHeaders?: (method: string, path: string, headers: Record<string, string | string[] | undefined>) => void;
}

export interface FaultProxy {
  host: string;
  origin: string;
  seen: SeenRequest[];
  /** The most requests this proxy ever had open at once. */
  maxInFlight: number;
  /** Applies the faults, in order, to the next requests whose path matches. */
  failNext(match: RegExp, ...faults: Fault[]): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(target: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const [targetHost, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const queue: Array<{ match: RegExp; fault: Fault }> = [];
  const state = { inFlight: 0, maxInFlight: 0 };
  const seen: SeenRequest[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const record: SeenRequest = { method: req.method ?? 'GET', path, authorization: req.headers.authorization, outcome: 0 };
    seen.push(record);
    state.inFlight += 1;
    state.maxInFlight = Math.max(state.maxInFlight, state.inFlight);
    res.on('close', () => (state.inFlight -= 1));
    if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));

    const index = queue.findIndex((entry) => entry.match.test(path));
    if (index !== -1) {
      const { fault } = queue.splice(index, 1)[0]!;
      if (fault === 'hang') {
        record.outcome = 'hang';
        return;
      }
      if (fault === 'reset') {
        record.outcome = 'reset';
        req.socket.destroy();
        return;
      }
      record.outcome = fault.status;
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers }).end('{"errors":[{"code":"UNAVAILABLE","message":"injected"}]}');
      return;
    }
    if (options.challenge && path.startsWith('/v2/')) {
      record.outcome = 401;
      res.writeHead(401, { 'www-authenticate': options.challenge }).end();
      return;
    }
    if (options.requireBasic) {
      const expected = `Basic ${Buffer.from(`${options.requireBasic.username}:${options.requireBasic.password}`).toString('base64')}`;
      if (req.headers.authorization !== expected) {
        record.outcome = 401;
        res.writeHead(401, { 'www-authenticate': 'Basic realm="fault-proxy"' }).end();
        return;
      }
    }
    if (options.redirectBlobsTo && req.method === 'GET' && /\/blobs\/sha256:/.test(path)) {
      record.outcome = 307;
      res.writeHead(307, { location: `${options.redirectBlobsTo}${path}` }).end();
      return;
    }
    const upstream = request({ host: targetHost, port: targetPort, method: req.method, path, headers: { ...req.headers, host: target } }, (answer) => {
      record.outcome = answer.statusCode ?? 0;
      const headers = { ...answer.headers };
      options.editHeaders?.(record.method, path, headers);
      res.writeHead(answer.statusCode ?? 502, headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    host,
    origin: `http://${host}`,
    seen,
    get maxInFlight() {
      return state.maxInFlight;
    },
    failNext: (match, ...faults) => {
      for (const fault of faults) queue.push({ match, fault });
    },
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
