import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Outbound, type Route } from '../net/outbound.js';
import { ProxySettingError } from '../net/proxy.js';
import { tlsFailureMessage } from '../net/trust.js';

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST';
  /** A form body (POST only). */
  body?: string;
  url: URL;
  headers: Record<string, string>;
  /** Bodies larger than this are refused while they stream in, never buffered whole. */
  maxBytes: number;
  timeoutMs: number;
  /** Decides whether a redirect target may be followed (scheme and host policy). */
  allowRedirect: (target: URL) => boolean;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: URL;
}

/** A request that got no usable HTTP answer; `kind` says whether it is worth retrying. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly kind: 'timeout' | 'connection' | 'too-large' | 'redirect' | 'setting',
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const maxRedirects = 5;

/**
 * HTTP for registry calls on node:http(s) through the shared Outbound (keep-alive, proxies, trust), so
 * hundreds of requests to one registry reuse a few connections. Redirects (blob downloads go to
 * storage) are followed, dropping the Authorization header whenever the origin changes so registry
 * credentials never reach another host. Every request sent is counted, redirects included.
 */
export class HttpTransport {
  private readonly outbound: Outbound;
  /** Requests sent so far (each redirect hop is one). */
  requests = 0;

  constructor(maxSockets: number, env: NodeJS.ProcessEnv = process.env) {
    this.outbound = new Outbound({ maxSockets, env });
  }

  async send(initial: HttpRequest): Promise<HttpResponse> {
    let request = initial;
    let url = request.url;
    let headers = request.headers;
    for (let hop = 0; ; hop += 1) {
      const response = await this.once(request, url, headers);
      const location = response.headers.location;
      if (![301, 302, 303, 307, 308].includes(response.status) || !location) return response;
      if (hop >= maxRedirects) throw new TransportError('redirect', 'ETOOMANYREDIRECTS', `more than ${maxRedirects} redirects from ${request.url.origin}`);
      const target = new URL(location, url);
      if (!request.allowRedirect(target)) {
        throw new TransportError('redirect', 'EREDIRECTREFUSED', `refused a redirect from ${url.origin} to ${target.origin}`);
      }
      if (target.origin !== url.origin) {
        const { authorization: _dropped, Authorization: _alsoDropped, ...rest } = headers;
        headers = rest;
      }
      url = target;
      // A 303 (and, as browsers do, a 301/302 after POST) turns into a GET without a body.
      if (request.method === 'POST' && response.status !== 307 && response.status !== 308) request = { ...request, method: 'GET', body: undefined };
    }
  }

  private once(request: HttpRequest, url: URL, headers: Record<string, string>): Promise<HttpResponse> {
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    let route: Route;
    try {
      route = this.outbound.route(url);
    } catch (error) {
      if (error instanceof ProxySettingError) return Promise.reject(new TransportError('setting', 'EPROXYSETTING', error.message));
      throw error;
    }
    this.requests += 1;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: TransportError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(error);
      };
      const options = { method: request.method, hostname: route.hostname, port: route.port, path: route.path, headers: { ...route.headers, ...headers }, agent: route.agent };
      const req = send(options, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > request.maxBytes) {
            fail(new TransportError('too-large', 'ETOOLARGE', `response from ${url.origin} is larger than ${request.maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), url });
        });
        res.on('error', (error: NodeJS.ErrnoException) => fail(this.connectionError(url, route, error)));
      });
      const timer = setTimeout(
        () => fail(new TransportError('timeout', 'ETIMEDOUT', `${url.origin} did not answer within ${request.timeoutMs} ms`)),
        request.timeoutMs,
      );
      req.on('error', (error: NodeJS.ErrnoException) => fail(this.connectionError(url, route, error)));
      req.end(request.body);
    });
  }

  close(): void {
    this.outbound.close();
  }

  /** Connection failures are retried, except TLS ones: a certificate does not become trusted by waiting. */
  private connectionError(url: URL, route: Route, error: NodeJS.ErrnoException): TransportError {
    const code = error.code ?? 'ECONNRESET';
    const via = route.proxy ? ` (through the proxy ${route.proxy})` : '';
    if (isTlsFailure(code)) {
      return new TransportError('setting', code, tlsFailureMessage(url.host, code, this.outbound.trustFor(url.host).sources));
    }
    if (code === 'EPROXYCONNECT') return new TransportError('connection', code, `${url.host}: ${error.message}`);
    const what = code === 'ECONNREFUSED' ? 'connection refused' : code === 'ENOTFOUND' ? 'host not found' : code === 'ECONNRESET' ? 'connection reset' : code;
    return new TransportError('connection', code, `${url.host}${via}: ${what}`);
  }
}

/** Certificate problems are not worth retrying and need the user to act; OpenSSL names them in these codes. */
function isTlsFailure(code: string): boolean {
  return code.startsWith('ERR_TLS') || code.includes('CERT') || code.includes('SIGNATURE') || code.includes('ISSUER') || code === 'EPROTO';
}
