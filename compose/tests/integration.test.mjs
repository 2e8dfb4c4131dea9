// Integration suite: each service against its real neighbours, inside the stack's network.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { address, http, redisCommand, uniqueId } from './stack.mjs';

const catalog = address('CATALOG_URL');
const cart = address('CART_URL');
const gateway = address('GATEWAY_URL');

describe('catalog', () => {
  it('lists products with integer prices in cents', async () => {
    const { status, body } = await http('GET', `${catalog}/products`);
    assert.equal(status, 200);
    assert.ok(body.products.length > 0, 'the catalog is empty');
    for (const product of body.products) assert.ok(Number.isInteger(product.price) && product.price > 0, `${product.id} has price ${product.price}`);
  });

  it('answers 404 for an unknown product', async () => {
    const { status } = await http('GET', `${catalog}/products/${uniqueId('missing')}`);
    assert.equal(status, 404);
  });
});

describe('cart', () => {
  it('prices an added item with the catalog price', async () => {
    const { body: product } = await http('GET', `${catalog}/products/espresso`);
    const id = uniqueId('it');
    const { status, body } = await http('POST', `${cart}/carts/${id}/items`, { productId: 'espresso', quantity: 3 });
    assert.equal(status, 201);
    assert.deepEqual(
      body.items.map(({ productId, unitPrice, lineTotal }) => ({ productId, unitPrice, lineTotal })),
      [{ productId: 'espresso', unitPrice: product.price, lineTotal: product.price * 3 }],
    );
    assert.equal(body.total, product.price * 3);
  });

  it('refuses a product the catalog does not know', async () => {
    const { status, body } = await http('POST', `${cart}/carts/${uniqueId('it')}/items`, { productId: 'no-such-product' });
    assert.equal(status, 422);
    assert.match(body.error, /unknown product/);
  });

  it('stores carts in redis', async () => {
    const id = uniqueId('it');
    await http('POST', `${cart}/carts/${id}/items`, { productId: 'mug', quantity: 2 });
    const stored = JSON.parse(await redisCommand('HGET', `cart:${id}`, 'mug'));
    assert.equal(stored.quantity, 2);
    const { body } = await http('GET', `${cart}/carts/${id}`);
    assert.equal(body.items[0].quantity, 2, 'the cart read back differs from what redis holds');
  });
});

describe('redis', () => {
  it('persists writes to its append-only file', async () => {
    const key = uniqueId('persist');
    assert.equal(await redisCommand('SET', key, 'kept'), 'OK');
    assert.equal(await redisCommand('GET', key), 'kept');
    const info = await redisCommand('INFO', 'persistence');
    assert.match(info, /aof_enabled:1/, 'redis runs without its append-only file');
    assert.match(info, /aof_last_write_status:ok/);
  });
});

describe('gateway', () => {
  it('routes /api/catalog to the catalog', async () => {
    const direct = await http('GET', `${catalog}/products/mug`);
    const routed = await http('GET', `${gateway}/api/catalog/products/mug`);
    assert.equal(routed.status, 200);
    assert.deepEqual(routed.body, direct.body);
    assert.match(routed.headers.get('x-routed-to') ?? '', /catalog/);
  });

  it('routes /api/cart to the cart', async () => {
    const id = uniqueId('it');
    const routed = await http('POST', `${gateway}/api/cart/carts/${id}/items`, { productId: 'green-tea' });
    assert.equal(routed.status, 201);
    assert.match(routed.headers.get('x-routed-to') ?? '', /cart/);
    const direct = await http('GET', `${cart}/carts/${id}`);
    assert.deepEqual(direct.body, routed.body);
  });

  it('answers 404 outside its routes', async () => {
    const { status } = await http('GET', `${gateway}/nowhere`);
    assert.equal(status, 404);
  });
});
