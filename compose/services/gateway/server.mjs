// gateway: the one public entry point. /api/catalog/* goes to the catalog, /api/cart/* to the cart,
// with the prefix stripped; everything else is answered here.
/* global fetch, AbortSignal */
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';

const service = 'gateway';
const port = Number(process.env.PORT ?? 8080);
const version = process.env.SERVICE_VERSION ?? '0.0.0-dev';
const revision = process.env.SERVICE_REVISION ?? 'unknown';
const routes = [
  { prefix: '/api/catalog', upstream: (process.env.CATALOG_URL ?? 'http://catalog:8080').replace(/\/+$/, '') },
  { prefix: '/api/cart', upstream: (process.env.CART_URL ?? 'http://cart:8080').replace(/\/+$/, '') },
];

if (process.env.CRASH_ON_START === '1') {
  console.error(`${service}: CRASH_ON_START=1, exiting before listening`);
  process.exit(1);
}

// The pipeline's tests ship releases whose health check fails on purpose: FAIL_HEALTH=1 fails
// everywhere, FAIL_HEALTH_IN=<environment> only where DEPLOY_ENV is that one (like a setting that
// production lacks).
function healthFailure() {
  if (process.env.FAIL_HEALTH === '1') return 'FAIL_HEALTH=1';
  const only = process.env.FAIL_HEALTH_IN;
  if (only && only === (process.env.DEPLOY_ENV ?? 'pull-request')) return `FAIL_HEALTH_IN=${only}`;
  return null;
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function proxy(req, res, upstream, path) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && chunks.length > 0;
  let response;
  try {
    response = await fetch(`${upstream}${path}`, {
      method: req.method,
      headers: req.headers['content-type'] ? { 'content-type': req.headers['content-type'] } : {},
      body: hasBody ? Buffer.concat(chunks) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    return send(res, 502, { error: `upstream ${upstream} unreachable: ${error.message}` });
  }
  const body = Buffer.from(await response.arrayBuffer());
  const headers = { 'x-routed-to': upstream };
  const type = response.headers.get('content-type');
  if (type) headers['content-type'] = type;
  res.writeHead(response.status, headers);
  res.end(body);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') {
    const failure = healthFailure();
    if (failure) return send(res, 503, { status: 'failing', reason: failure });
    return send(res, 200, { status: 'ok' });
  }
  if (url.pathname === '/version') return send(res, 200, { service, version, revision });
  const route = routes.find(({ prefix }) => url.pathname === prefix || url.pathname.startsWith(`${prefix}/`));
  if (!route) return send(res, 404, { error: `no route ${url.pathname}` });
  proxy(req, res, route.upstream, `${url.pathname.slice(route.prefix.length) || '/'}${url.search}`).catch((error) =>
    send(res, 500, { error: error.message }),
  );
});

server.listen(port, () => console.log(`${service} ${version} (${revision}) listening on :${port}`));

// Node as PID 1 would ignore SIGTERM and make every `compose down` wait for the kill timeout.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)).closeAllConnections());
