// cart: shopping carts. Prices come from the catalog when an item is added; carts and orders live in
// redis, so they survive a restart of this service.
/* global fetch, AbortSignal */
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { RedisClient } from './resp.mjs';

const service = 'cart';
const port = Number(process.env.PORT ?? 8080);
const version = process.env.SERVICE_VERSION ?? '0.0.0-dev';
const revision = process.env.SERVICE_REVISION ?? 'unknown';
const catalogUrl = (process.env.CATALOG_URL ?? 'http://catalog:8080').replace(/\/+$/, '');
const redis = new RedisClient(process.env.REDIS_HOST ?? 'redis', Number(process.env.REDIS_PORT ?? 6379));
const idPattern = /^[A-Za-z0-9_-]{1,64}$/;

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

class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function readJson(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new HttpError(413, 'body over 64 KiB');
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'body is not JSON');
  }
}

async function catalogProduct(productId) {
  let response;
  try {
    response = await fetch(`${catalogUrl}/products/${encodeURIComponent(productId)}`, { signal: AbortSignal.timeout(5000) });
  } catch (error) {
    throw new HttpError(502, `catalog unreachable: ${error.message}`);
  }
  if (response.status === 404) throw new HttpError(422, `unknown product ${productId}`);
  if (!response.ok) throw new HttpError(502, `catalog answered ${response.status}`);
  return response.json();
}

const cartKey = (id) => `cart:${id}`;

async function readCart(id) {
  const flat = (await redis.command('HGETALL', cartKey(id))) ?? [];
  const items = [];
  for (let i = 0; i < flat.length; i += 2) items.push(JSON.parse(flat[i + 1]));
  items.sort((a, b) => a.productId.localeCompare(b.productId));
  const total = items.reduce((sum, item) => sum + item.lineTotal, 0);
  return { id, items, total, currency: items[0]?.currency ?? null };
}

async function addItem(id, body) {
  const { productId, quantity = 1 } = body;
  if (typeof productId !== 'string' || !idPattern.test(productId)) throw new HttpError(400, 'productId must be a product id');
  if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000) throw new HttpError(400, 'quantity must be a whole number from 1 to 1000');
  const product = await catalogProduct(productId);
  const existing = await redis.command('HGET', cartKey(id), productId);
  const already = existing ? JSON.parse(existing).quantity : 0;
  const total = already + quantity;
  const item = { productId, name: product.name, quantity: total, unitPrice: product.price, currency: product.currency, lineTotal: product.price * total };
  await redis.command('HSET', cartKey(id), productId, JSON.stringify(item));
  return readCart(id);
}

async function checkout(id) {
  const cart = await readCart(id);
  if (cart.items.length === 0) throw new HttpError(409, `cart ${id} is empty`);
  const orderId = await redis.command('INCR', 'orders:next');
  const order = { orderId, cartId: id, items: cart.items, total: cart.total, currency: cart.currency };
  await redis.command('SET', `order:${orderId}`, JSON.stringify(order));
  await redis.command('DEL', cartKey(id));
  return order;
}

async function route(req) {
  const { pathname } = new URL(req.url ?? '/', 'http://localhost');
  if (pathname === '/healthz' && req.method === 'GET') {
    const failure = healthFailure();
    if (failure) return [503, { status: 'failing', reason: failure }];
    try {
      await redis.command('PING');
    } catch (error) {
      return [503, { status: 'failing', reason: `redis: ${error.message}` }];
    }
    return [200, { status: 'ok' }];
  }
  if (pathname === '/version' && req.method === 'GET') return [200, { service, version, revision }];
  const order = /^\/orders\/([0-9]{1,12})$/.exec(pathname);
  if (order && req.method === 'GET') {
    const stored = await redis.command('GET', `order:${order[1]}`);
    return stored ? [200, JSON.parse(stored)] : [404, { error: `no order ${order[1]}` }];
  }
  const match = /^\/carts\/([^/]+)(\/items|\/checkout)?$/.exec(pathname);
  if (!match) return [404, { error: `no route ${pathname}` }];
  const [, id, action] = match;
  if (!idPattern.test(id)) throw new HttpError(400, 'cart id must be 1-64 letters, digits, "-" or "_"');
  if (!action && req.method === 'GET') return [200, await readCart(id)];
  if (!action && req.method === 'DELETE') {
    await redis.command('DEL', cartKey(id));
    return [204, null];
  }
  if (action === '/items' && req.method === 'POST') return [201, await addItem(id, await readJson(req))];
  if (action === '/checkout' && req.method === 'POST') return [201, await checkout(id)];
  return [405, { error: `${req.method} not allowed on ${pathname}` }];
}

const server = createServer((req, res) => {
  route(req)
    .catch((error) => (error instanceof HttpError ? [error.status, { error: error.message }] : [503, { error: `storage: ${error.message}` }]))
    .then(([status, body]) => {
      res.writeHead(status, body === null ? {} : { 'content-type': 'application/json' });
      res.end(body === null ? undefined : JSON.stringify(body));
    });
});

server.listen(port, () => console.log(`${service} ${version} (${revision}) listening on :${port}, catalog ${catalogUrl}`));

// Node as PID 1 would ignore SIGTERM and make every `compose down` wait for the kill timeout.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    redis.close();
    server.close(() => process.exit(0)).closeAllConnections();
  });
}
