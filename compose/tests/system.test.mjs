// System suite: a whole shopping flow through the gateway only, as a customer's client would do it.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { address, http, uniqueId } from './stack.mjs';

const api = `${address('GATEWAY_URL')}/api`;

it('browses, fills a cart, checks out and finds the order', async () => {
  const { status, body: catalog } = await http('GET', `${api}/catalog/products`);
  assert.equal(status, 200);
  const [first, second] = catalog.products;
  assert.ok(first && second, 'the catalog needs two products for this flow');

  const cartId = uniqueId('shopper');
  await http('POST', `${api}/cart/carts/${cartId}/items`, { productId: first.id, quantity: 1 });
  await http('POST', `${api}/cart/carts/${cartId}/items`, { productId: second.id, quantity: 2 });
  const again = await http('POST', `${api}/cart/carts/${cartId}/items`, { productId: first.id, quantity: 1 });
  assert.equal(again.status, 201);

  const { body: cart } = await http('GET', `${api}/cart/carts/${cartId}`);
  const expected = first.price * 2 + second.price * 2;
  assert.equal(cart.total, expected);
  assert.deepEqual(cart.items.map((item) => item.quantity), [first.id, second.id].sort().map(() => 2));

  const checkout = await http('POST', `${api}/cart/carts/${cartId}/checkout`);
  assert.equal(checkout.status, 201);
  assert.equal(checkout.body.total, expected);

  const { body: emptied } = await http('GET', `${api}/cart/carts/${cartId}`);
  assert.deepEqual(emptied.items, [], 'the cart was not emptied by the checkout');

  const order = await http('GET', `${api}/cart/orders/${checkout.body.orderId}`);
  assert.equal(order.status, 200);
  assert.equal(order.body.cartId, cartId);
  assert.equal(order.body.total, expected);
});

it('refuses to check out an empty cart', async () => {
  const { status } = await http('POST', `${api}/cart/carts/${uniqueId('shopper')}/checkout`);
  assert.equal(status, 409);
});

it('reports the version and revision of the running gateway', async () => {
  const { status, body } = await http('GET', `${address('GATEWAY_URL')}/version`);
  assert.equal(status, 200);
  assert.equal(body.service, 'gateway');
  assert.match(body.version, /^\d+\.\d+\.\d+/);
});
