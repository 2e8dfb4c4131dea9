import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readHelmValues, updateHelmValues, valuesMapping } from '../../../src/environments/targets/helmValues/updateHelmValues.js';
import { proposalBody, proposalBranch, commitMessage } from '../../../src/environments/targets/helmValues/proposal.js';
import { makeLock, service } from '../../support/lockFixtures.js';

const zeros = `sha256:${'0'.repeat(64)}`;

// Four-space indentation, comments everywhere, all three quote styles, a flow map and blank lines.
const values = `# Production values for the shop chart.
# Owned by the platform team; lockstep updates the image digests.

global:
    registry: localhost:5000   # the mirror

catalog:
    replicas: 3
    image:
        repository: localhost:5000/acme/old-catalog   # moved last year
        tag: "sha-0000000"    # for people only
        digest: '${zeros}'
    resources: {limits: {cpu: 500m}}

cart:
    image:
        repository: localhost:5000/acme/cart
    # no tag or digest yet

web:
    image:
`;

const lock = makeLock({
  catalog: service('catalog'),
  cart: service('cart'),
  web: service('web', { tag: '1.0' }),
});
const mapping = valuesMapping(Object.keys(lock.services));

/** Lines that differ between two texts, as [before, after] pairs, for texts with the same number of lines. */
function changedLines(before: string, after: string): Array<[string, string]> {
  const a = before.split('\n');
  const b = after.split('\n');
  assert.equal(a.length, b.length, 'no line may be added or removed');
  return a.flatMap((line, index) => (line === b[index] ? [] : [[line, b[index]!] as [string, string]]));
}

describe('updateHelmValues', () => {
  it('changes only the scalars, keeping comments, quotes and spacing byte for byte', () => {
    const existingOnly = values.split('\ncart:')[0]!;
    const catalogLock = makeLock({ catalog: service('catalog') });
    const updated = updateHelmValues(existingOnly, catalogLock, valuesMapping(['catalog']));
    const catalog = catalogLock.services.catalog!;
    assert.deepEqual(changedLines(existingOnly, updated), [
      ['        repository: localhost:5000/acme/old-catalog   # moved last year', `        repository: ${catalog.image}   # moved last year`],
      ['        tag: "sha-0000000"    # for people only', `        tag: "${catalog.tag}"    # for people only`],
      [`        digest: '${zeros}'`, `        digest: '${catalog.digest}'`],
    ]);
  });

  it('adds missing keys under the deepest existing mapping, indented like their siblings', () => {
    const updated = updateHelmValues(values, lock, mapping);
    assert.ok(updated.startsWith(values.split('\ncatalog:')[0]!), 'the header comments and global block are untouched');
    const cart = lock.services.cart!;
    const web = lock.services.web!;
    assert.ok(
      updated.includes(`        repository: ${cart.image}\n        tag: ${cart.tag}\n        digest: ${cart.digest}\n    # no tag or digest yet\n`),
      updated,
    );
    assert.ok(updated.endsWith(`web:\n    image:\n        repository: ${web.image}\n        tag: "1.0"\n        digest: ${web.digest}\n`), updated);
    assert.deepEqual(readHelmValues(updated, mapping), {
      catalog: { repository: lock.services.catalog!.image, tag: lock.services.catalog!.tag, digest: lock.services.catalog!.digest },
      cart: { repository: cart.image, tag: cart.tag, digest: cart.digest },
      web: { repository: web.image, tag: '1.0', digest: web.digest },
    });
  });

  it('is idempotent: a second run returns the text unchanged', () => {
    const once = updateHelmValues(values, lock, mapping);
    assert.equal(updateHelmValues(once, lock, mapping), once);
  });

  it('creates whole service blocks at the end of the file and in an empty file', () => {
    const only = makeLock({ gateway: service('gateway') });
    const gateway = only.services.gateway!;
    assert.equal(updateHelmValues('a: 1', only, valuesMapping(['gateway'])), `a: 1\ngateway:\n  image:\n    repository: ${gateway.image}\n    tag: ${gateway.tag}\n    digest: ${gateway.digest}\n`);
    assert.equal(updateHelmValues('', only, valuesMapping(['gateway'])), `gateway:\n  image:\n    repository: ${gateway.image}\n    tag: ${gateway.tag}\n    digest: ${gateway.digest}\n`);
  });

  it('follows configured key paths, writing only the keys named', () => {
    const text = 'images:\n  catalog:\n    digest: ""  # set by lockstep\n';
    const updated = updateHelmValues(text, makeLock({ catalog: service('catalog') }), { catalog: { digest: 'images.catalog.digest' } });
    assert.equal(updated, `images:\n  catalog:\n    digest: "${service('catalog').digest}"  # set by lockstep\n`);
  });

  it('refuses what it cannot edit in place, naming file and key', () => {
    const one = makeLock({ catalog: service('catalog') });
    const keys = valuesMapping(['catalog']);
    assert.throws(() => updateHelmValues('catalog: {image: {}}\n', one, keys, 'values-prod.yaml'), /values-prod\.yaml: catalog\.image\.repository: would go into a flow mapping/);
    assert.throws(() => updateHelmValues('catalog: web\n', one, keys, 'v.yaml'), /v\.yaml: catalog: is a value, not a mapping/);
    assert.throws(() => updateHelmValues('x: &i {repository: a}\ncatalog:\n  image: *i\n', one, keys, 'v.yaml'), /v\.yaml: catalog\.image: is an alias/);
    assert.throws(() => updateHelmValues('catalog:\n  image:\n    digest: [a]\n', one, keys, 'v.yaml'), /v\.yaml: catalog\.image\.digest: is a mapping or a list/);
    assert.throws(() => updateHelmValues('a: [\n', one, keys, 'v.yaml'), /v\.yaml: line \d+: invalid YAML/);
    assert.throws(() => updateHelmValues('- a\n', one, keys, 'v.yaml'), /v\.yaml: \(top level\): is not a mapping/);
    const two = makeLock({ catalog: service('catalog'), cart: service('cart') });
    assert.throws(() => updateHelmValues('', two, { catalog: { digest: 'd' }, cart: { digest: 'd' } }, 'v.yaml'), /v\.yaml: d: is the key of two services/);
  });

  it('quotes a plain value that would otherwise read back as a number', () => {
    const one = makeLock({ catalog: service('catalog', { tag: '2.10' }) });
    const updated = updateHelmValues('catalog:\n  image:\n    tag: v1\n', one, { catalog: { digest: 'catalog.image.digest', tag: 'catalog.image.tag' } });
    assert.match(updated, /tag: "2\.10"\n/);
    assert.equal(readHelmValues(updated, { catalog: { digest: 'catalog.image.digest', tag: 'catalog.image.tag' } }).catalog!.tag, '2.10');
  });
});

describe('helm values proposal', () => {
  it('names the branch after the lock, lists the moved services and renders the diff', () => {
    const previous = makeLock({ catalog: service('catalog'), cart: service('cart') });
    const next = makeLock({ catalog: service('catalog'), cart: service('cart', { digest: `sha256:${'c'.repeat(64)}` }) });
    assert.match(proposalBranch('staging', next), /^lockstep\/staging\/[0-9a-f]{12}$/);
    const message = commitMessage('staging', next, previous);
    assert.match(message, /^Deploy lock [0-9a-f]{12} to staging\n\n- cart: sha-[0-9a-f]{7} \(sha256:c{64}\)\n\nLockstep-Lock: sha256:/);
    const body = proposalBody('staging', next, previous, { valuesFile: 'values-staging.yaml', lockFile: 'lockstep/staging.lock.yaml' });
    assert.match(body, /`values-staging\.yaml`/);
    assert.match(body, /\| cart \|/);
  });
});
