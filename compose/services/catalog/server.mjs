// catalog: serves the products and their prices (integer cents) from products.json.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const service = 'catalog';
const port = Number(process.env.PORT ?? 8080);
const version = process.env.SERVICE_VERSION ?? '0.0.0-dev';
const revision = process.env.SERVICE_REVISION ?? 'unknown';

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

// FAIL_PRICES_IN=<environment> serves the products without their prices where DEPLOY_ENV is that one:
// a release that is healthy, passes every test before production, and fails production's smoke tests.
const unpriced = Boolean(process.env.FAIL_PRICES_IN) && process.env.FAIL_PRICES_IN === (process.env.DEPLOY_ENV ?? 'pull-request');
const products = JSON.parse(readFileSync(new URL('./products.json', import.meta.url), 'utf8')).map((product) => {
  if (!unpriced) return product;
  const { price: _price, ...rest } = product;
  return rest;
});
const byId = new Map(products.map((product) => [product.id, product]));

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const server = createServer((req, res) => {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  if (req.method !== 'GET') return send(res, 405, { error: 'only GET is served' });
  if (pathname === '/healthz') {
    const failure = healthFailure();
    if (failure) return send(res, 503, { status: 'failing', reason: failure });
    return send(res, 200, { status: 'ok' });
  }
  if (pathname === '/version') return send(res, 200, { service, version, revision });
  if (pathname === '/products') return send(res, 200, { products });
  const match = /^\/products\/([A-Za-z0-9_-]{1,64})$/.exec(pathname);
  if (match) {
    const product = byId.get(match[1]);
    return product ? send(res, 200, product) : send(res, 404, { error: `no product ${match[1]}` });
  }
  return send(res, 404, { error: `no route ${pathname}` });
});

server.listen(port, () => console.log(`${service} ${version} (${revision}) listening on :${port}, ${products.length} products`));

// Node as PID 1 would ignore SIGTERM and make every `compose down` wait for the kill timeout.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.close(() => process.exit(0)).closeAllConnections());
