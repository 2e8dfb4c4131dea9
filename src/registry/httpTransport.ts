import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export interface HttpRequest {
  method: 'GET' | 'HEAD';
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
    readonly kind: 'timeout' | 'connection' | 'too-large' | 'redirect',
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const maxRedirects = 5;

/**
 * HTTP for registry calls on node:http(s) with keep-alive agents, so hundreds of requests to one
 * registry reuse a few connections. Redirects (blob downloads go to storage) are followed, dropping the
 * Authorization header whenever the origin changes so registry credentials never reach another host.
 */
export class HttpTransport {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(maxSockets: number) {
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets });
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
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
    }
  }

  private once(request: HttpRequest, url: URL, headers: Record<string, string>): Promise<HttpResponse> {
    const secure = url.protocol === 'https:';
    const send = secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (error: TransportError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(error);
      };
      const req = send(url, { method: request.method, headers, agent: secure ? this.httpsAgent : this.httpAgent }, (res) => {
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
        res.on('error', (error: NodeJS.ErrnoException) => fail(connectionError(url, error)));
      });
      const timer = setTimeout(
        () => fail(new TransportError('timeout', 'ETIMEDOUT', `${url.origin} did not answer within ${request.timeoutMs} ms`)),
        request.timeoutMs,
      );
      req.on('error', (error: NodeJS.ErrnoException) => fail(connectionError(url, error)));
      req.end();
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function connectionError(url: URL, error: NodeJS.ErrnoException): TransportError {
  const code = error.code ?? 'ECONNRESET';
  const what =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND'
        ? 'host not found'
        : code === 'ECONNRESET'
          ? 'connection reset'
          : code.startsWith('ERR_TLS') || code.includes('CERT')
            ? `TLS failure (${code})`
            : `${code}`;
  return new TransportError('connection', code, `${url.host}: ${what}`);
}
