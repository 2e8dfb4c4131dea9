import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import type { Outbound } from './outbound.js';

const maxRedirects = 20;

interface Attempt {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer | undefined;
  signal: AbortSignal;
}

/**
 * A `fetch` for clients that take one (Octokit) whose connections go through an Outbound: the proxy
 * variables and the trust settings apply to them as to registry calls. Redirects are followed as
 * fetch does (release assets download from storage hosts), dropping Authorization across origins.
 */
export function outboundFetch(outbound: Outbound): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    let attempt: Attempt = {
      method: request.method,
      url: new URL(request.url),
      headers,
      body: request.body ? Buffer.from(await request.arrayBuffer()) : undefined,
      signal: request.signal,
    };
    for (let hop = 0; ; hop += 1) {
      const response = await once(outbound, attempt);
      const location = response.headers.get('location');
      if (request.redirect !== 'follow' || ![301, 302, 303, 307, 308].includes(response.status) || !location) return response;
      if (hop >= maxRedirects) throw new TypeError(`fetch: more than ${maxRedirects} redirects from ${request.url}`);
      await response.body?.cancel();
      const target = new URL(location, attempt.url);
      const next: Attempt = { ...attempt, url: target, headers: { ...attempt.headers } };
      if (target.origin !== attempt.url.origin) delete next.headers.authorization;
      if (response.status === 303 || ((response.status === 301 || response.status === 302) && attempt.method === 'POST')) {
        next.method = 'GET';
        next.body = undefined;
        delete next.headers['content-type'];
      }
      attempt = next;
    }
  };
}

function once(outbound: Outbound, attempt: Attempt): Promise<Response> {
  const route = outbound.route(attempt.url);
  const headers: Record<string, string> = { ...route.headers, ...attempt.headers };
  if (attempt.body) headers['content-length'] = String(attempt.body.length);
  const send = attempt.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<Response>((resolve, reject) => {
    const req = send(
      { method: attempt.method, hostname: route.hostname, port: route.port, path: route.path, headers, agent: route.agent, signal: attempt.signal },
      (res) => {
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value === undefined) continue;
          for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, one);
        }
        const status = res.statusCode ?? 502;
        const nullBody = attempt.method === 'HEAD' || status === 204 || status === 304;
        if (nullBody) res.resume();
        resolve(
          new Response(nullBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
            status,
            statusText: res.statusMessage ?? '',
            headers: responseHeaders,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(attempt.body);
  });
}
