import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A real HTTP proxy on 127.0.0.1 in front of a registry, whose behaviour a test switches at will:
 * pass requests through, answer them with an error status, hang without answering, or hold them until
 * released (so a test can act on the registry while a run is provably in the middle of its requests).
 * When the registry behind it is gone, the client's connection is reset, as a dead upstream would.
 */
export type ProxyMode =
  | { kind: 'pass' }
  /** Answers `times` requests (default: all) with `status`, then passes the rest. */
  | { kind: 'status'; status: number; headers?: Record<string, string>; times?: number }
  | { kind: 'hang' }
  | { kind: 'gate' };

export interface ProxiedRequest {
  method: string;
  path: string;
  outcome: number | 'hang' | 'held' | 'reset';
  at: number;
}

export interface RegistryProxy {
  /** `127.0.0.1:<port>`: an image host lockstep reaches over plain http (loopback). */
  host: string;
  requests: ProxiedRequest[];
  setMode(mode: ProxyMode): void;
  /** Resolves once `count` requests arrived since the mode was last set. */
  waitForRequests(count: number, timeoutMs?: number): Promise<void>;
  /** Lets the held requests through (to whatever the upstream is by now) and passes later ones. */
  release(): void;
  stop(): Promise<void>;
}

export async function startRegistryProxy(upstreamHost: string): Promise<RegistryProxy> {
  const [upstreamName, upstreamPort] = splitHost(upstreamHost);
  let mode: ProxyMode = { kind: 'pass' };
  let sinceMode = 0;
  let answeredWithStatus = 0;
  const held: Array<() => void> = [];
  const sockets = new Set<Socket>();
  const requests: ProxiedRequest[] = [];

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer, entry: ProxiedRequest) => {
    const upstream = httpRequest(
      { host: upstreamName, port: upstreamPort, method: req.method, path: req.url, headers: { ...req.headers, host: upstreamHost } },
      (answer) => {
        entry.outcome = answer.statusCode ?? 0;
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      entry.outcome = 'reset';
      req.socket.destroy();
    });
    upstream.end(body);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: ProxiedRequest = { method: req.method ?? 'GET', path: req.url ?? '/', outcome: 'hang', at: Date.now() };
      requests.push(entry);
      sinceMode += 1;
      const body = Buffer.concat(chunks);
      const current = mode;
      if (current.kind === 'hang') return;
      if (current.kind === 'gate') {
        entry.outcome = 'held';
        held.push(() => forward(req, res, body, entry));
        return;
      }
      if (current.kind === 'status' && (current.times === undefined || answeredWithStatus < current.times)) {
        answeredWithStatus += 1;
        entry.outcome = current.status;
        const payload = JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: `injected ${current.status}` }] });
        res.writeHead(current.status, { 'content-type': 'application/json', ...current.headers });
        res.end(req.method === 'HEAD' ? undefined : payload);
        return;
      }
      forward(req, res, body, entry);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    host: `127.0.0.1:${port}`,
    requests,
    setMode(next) {
      mode = next;
      sinceMode = 0;
      answeredWithStatus = 0;
    },
    async waitForRequests(count, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (sinceMode < count) {
        if (Date.now() > deadline) throw new Error(`the proxy saw ${sinceMode} of ${count} requests within ${timeoutMs} ms`);
        await sleep(20);
      }
    },
    release() {
      mode = { kind: 'pass' };
      for (const go of held.splice(0)) go();
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function splitHost(host: string): [string, number] {
  const colon = host.lastIndexOf(':');
  return [host.slice(0, colon), Number(host.slice(colon + 1))];
}
