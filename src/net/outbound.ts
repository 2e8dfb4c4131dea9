import { Agent as HttpAgent, type ClientRequestArgs } from 'node:http';
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { proxyFor } from './proxy.js';
import { trustFor, type HostTrust } from './trust.js';

/** How to send one request: where the socket goes, the request target, and extra headers. */
export interface Route {
  agent: HttpAgent;
  hostname: string;
  port: number;
  /** Origin-form (`/v2/...`), or absolute-form when an http request goes through a proxy. */
  path: string;
  headers: Record<string, string>;
  /** The proxy used, for messages (credentials removed), or undefined for a direct connection. */
  proxy: string | undefined;
}

export interface OutboundOptions {
  env?: NodeJS.ProcessEnv;
  /** Sockets per host (and per proxy); requests beyond it wait for a free keep-alive connection. */
  maxSockets?: number;
}

/**
 * Every outbound HTTP(S) connection lockstep makes goes through one of these: keep-alive agents that
 * honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY (https is tunnelled with CONNECT, http is sent to the proxy
 * in absolute form) and trust what SSL_CERT_FILE, SSL_CERT_DIR and Docker's certs.d say for each host.
 */
export class Outbound {
  private readonly env: NodeJS.ProcessEnv;
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: TunnellingHttpsAgent;
  private readonly trust = new Map<string, HostTrust>();

  constructor(options: OutboundOptions = {}) {
    this.env = options.env ?? process.env;
    const maxSockets = options.maxSockets ?? 16;
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
    this.httpsAgent = new TunnellingHttpsAgent({ keepAlive: true, maxSockets }, this.env, (host) => this.trustFor(host));
  }

  route(url: URL): Route {
    const secure = url.protocol === 'https:';
    const port = Number(url.port || (secure ? 443 : 80));
    const hostname = url.hostname.replace(/^\[|\]$/g, '');
    const proxy = proxyFor(url, this.env);
    const shown = proxy ? `${proxy.protocol}//${proxy.host}` : undefined;
    if (secure || !proxy) {
      return { agent: secure ? this.httpsAgent : this.httpAgent, hostname, port, path: `${url.pathname}${url.search}`, headers: {}, proxy: shown };
    }
    return {
      agent: this.httpAgent,
      hostname: proxy.hostname.replace(/^\[|\]$/g, ''),
      port: Number(proxy.port || 80),
      path: url.href,
      headers: { host: url.host, ...proxyAuthorization(proxy) },
      proxy: shown,
    };
  }

  /** What TLS to `host` trusts (cached), e.g. to name the CAs in an error message. */
  trustFor(host: string): HostTrust {
    let found = this.trust.get(host);
    if (!found) {
      found = trustFor(host, this.env);
      this.trust.set(host, found);
    }
    return found;
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function proxyAuthorization(proxy: URL): Record<string, string> {
  if (proxy.username === '') return {};
  const user = decodeURIComponent(proxy.username);
  const password = decodeURIComponent(proxy.password);
  return { 'proxy-authorization': `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

type ConnectionCallback = (error: Error | null, socket: Duplex) => void;

/** An https agent whose sockets go through a CONNECT tunnel when a proxy applies, with per-host trust. */
class TunnellingHttpsAgent extends HttpsAgent {
  constructor(
    options: AgentOptions,
    private readonly env: NodeJS.ProcessEnv,
    private readonly trust: (host: string) => HostTrust,
  ) {
    super(options);
  }

  override createConnection(requestOptions: ClientRequestArgs, callback?: ConnectionCallback): Duplex | undefined {
    const options = requestOptions as ClientRequestArgs & ConnectionOptions;
    const hostname = String(options.host ?? options.hostname ?? 'localhost').replace(/^\[|\]$/g, '');
    const port = Number(options.port ?? 443);
    const hostPort = port === 443 ? hostname : `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
    const { secureContext } = this.trust(hostPort);
    const tlsOptions: ConnectionOptions = {
      ...options,
      host: hostname,
      port,
      servername: options.servername ?? (hostname.includes(':') || /^\d+\.\d+\.\d+\.\d+$/.test(hostname) ? undefined : hostname),
      ...(secureContext ? { secureContext } : {}),
    };
    const target = new URL(`https://${hostPort}/`);
    const proxy = proxyFor(target, this.env);
    if (!proxy) return tlsConnect(tlsOptions);
    const proxySocket = netConnect({ host: proxy.hostname.replace(/^\[|\]$/g, ''), port: Number(proxy.port || 80) });
    let done = false;
    const finish = (error: Error | null, socket?: Duplex) => {
      if (done) return;
      done = true;
      callback?.(error, socket ?? proxySocket);
    };
    proxySocket.once('error', (error) => finish(error));
    proxySocket.once('connect', () => {
      const authority = `${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
      const headers = Object.entries({ host: authority, ...proxyAuthorization(proxy) }).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      proxySocket.write(`CONNECT ${authority} HTTP/1.1\r\n${headers}\r\n`);
      readConnectResponse(proxySocket, (error, status) => {
        if (error) return finish(error);
        if (status !== 200) {
          proxySocket.destroy();
          const refused = new Error(`the proxy ${proxy.host} answered HTTP ${status} to CONNECT ${authority}`) as NodeJS.ErrnoException;
          refused.code = 'EPROXYCONNECT';
          return finish(refused);
        }
        finish(null, tlsConnect({ ...tlsOptions, socket: proxySocket }));
      });
    });
    return undefined;
  }
}

/** Reads the proxy's answer to CONNECT up to the blank line; anything after it belongs to TLS. */
function readConnectResponse(socket: Socket, done: (error: Error | null, status?: number) => void): void {
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const end = buffered.indexOf('\r\n\r\n');
    if (end === -1) {
      if (buffered.length > 16 * 1024) {
        socket.off('data', onData);
        done(new Error('the proxy sent an oversized answer to CONNECT'));
      }
      return;
    }
    socket.off('data', onData);
    const rest = buffered.subarray(end + 4);
    if (rest.length > 0) socket.unshift(rest);
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(buffered.subarray(0, end).toString('latin1'))?.[1] ?? 0);
    done(null, status);
  };
  socket.on('data', onData);
}

/**
 * For clients that take an agent (Kubernetes, Argo CD, ECS SDK handlers): the agent that reaches an
 * https `url` as lockstep does (proxy tunnel, trust). An http URL behind a proxy needs `route` instead,
 * since its request line changes too.
 */
export function agentFor(outbound: Outbound, url: URL): HttpAgent {
  return outbound.route(url).agent;
}

let shared: Outbound | undefined;
/** The process-wide Outbound from process.env, for clients made in many places. */
export function sharedOutbound(): Outbound {
  shared ??= new Outbound();
  return shared;
}
