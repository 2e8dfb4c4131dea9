import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InputError, LockstepError } from '../../../src/errors.js';
import { normalizeTreePath, parseLsTree } from '../../../src/git/readGitlinks.js';
import { componentTags, componentTagsFromLock, crossCheckComponentTags, renderComponentTags } from '../../../src/lock/componentTags.js';
import { checkHotfixServices, hotfixServices } from '../../../src/lock/hotfix.js';
import { lockedServiceFromImage, revisionLabel, versionLabel } from '../../../src/lock/lockedServiceFromImage.js';
import { renderTag } from '../../../src/lock/tagTemplate.js';
import { lockTimestamp } from '../../../src/lock/timestamp.js';
import { hex, makeLock, service } from '../../support/lockFixtures.js';

const commit = hex('svc-commit', 40);
const digest = `sha256:${hex('svc-digest', 64)}`;

describe('tag templates', () => {
  it('fills {commit} and {shortCommit}, as often as they appear', () => {
    assert.equal(renderTag('sha-{shortCommit}', commit), `sha-${commit.slice(0, 7)}`);
    assert.equal(renderTag('{commit}', commit), commit);
    assert.equal(renderTag('v1.{shortCommit}-{shortCommit}', commit), `v1.${commit.slice(0, 7)}-${commit.slice(0, 7)}`);
    assert.equal(renderTag('stable', commit), 'stable');
  });
  it('refuses templates that give an invalid tag', () => {
    assert.throws(() => renderTag('-{shortCommit}', commit), (error: unknown) => error instanceof LockstepError && /gives "-/.test(error.message));
    assert.throws(() => renderTag('{commit}{commit}{commit}{commit}', commit), /not a valid image tag/, '160 characters is over the limit');
  });
});

describe('locked service from image facts', () => {
  const facts = (labels: Record<string, string>, created: string | null = '2026-11-20T09:14:03Z') => ({
    image: 'localhost:5000/acme/catalog',
    tag: 'sha-1234567',
    digest,
    config: { created, labels },
  });
  it('pins commit, tag, digest, builtAt and a semver version label', () => {
    const outcome = lockedServiceFromImage('catalog', commit, facts({ [revisionLabel]: commit, [versionLabel]: '1.4.0' }));
    assert.deepEqual(outcome, {
      ok: true,
      service: { commit, image: 'localhost:5000/acme/catalog', tag: 'sha-1234567', digest, builtAt: '2026-11-20T09:14:03Z', version: '1.4.0' },
    });
  });
  it('omits a version label that is not semver and nulls unusable build times', () => {
    for (const [label, created] of [
      ['latest', '0001-01-01T00:00:00Z'],
      ['1.2', 'yesterday'],
    ] as const) {
      const outcome = lockedServiceFromImage('catalog', commit, facts({ [versionLabel]: label }, created));
      assert.ok(outcome.ok);
      assert.equal(outcome.service.version, undefined);
      assert.equal(outcome.service.builtAt, null);
    }
    const none = lockedServiceFromImage('catalog', commit, { ...facts({}), config: null });
    assert.ok(none.ok && none.service.builtAt === null);
  });
  it('refuses an image whose revision label names another commit, naming both', () => {
    const other = hex('other', 40);
    const outcome = lockedServiceFromImage('catalog', commit, facts({ [revisionLabel]: other }));
    assert.equal(outcome.ok, false);
    const { problem } = outcome as { problem: string };
    assert.ok(problem.startsWith('catalog: '));
    assert.ok(problem.includes(other) && problem.includes(commit), problem);
  });
  it('accepts a revision label in upper case or with whitespace', () => {
    assert.ok(lockedServiceFromImage('catalog', commit, facts({ [revisionLabel]: ` ${commit.toUpperCase()}\n` })).ok);
  });
});

describe('component tags', () => {
  const lock = makeLock({ catalog: service('catalog'), cart: service('cart') });
  it('round-trips a lock through the component-tags format', () => {
    const exported = componentTagsFromLock(lock);
    assert.deepEqual(Object.keys(exported), ['cart', 'catalog']);
    const parsed = componentTags.parse(JSON.parse(renderComponentTags(exported)));
    assert.deepEqual(crossCheckComponentTags(parsed, lock.services, ['cart', 'catalog']), []);
    assert.equal(parsed.cart?.sha, lock.services.cart?.commit);
  });
  it('names the service and both values for every disagreement', () => {
    const tags = componentTagsFromLock(lock);
    const otherSha = hex('x', 40);
    const otherDigest = `sha256:${hex('y', 64)}`;
    tags.catalog = { tag: 'sha-0000000', sha: otherSha, digest: otherDigest };
    const problems = crossCheckComponentTags(tags, lock.services, ['cart', 'catalog']);
    const catalog = lock.services.catalog!;
    assert.deepEqual(problems, [
      `catalog: component-tags sha ${otherSha} differs from the submodule commit ${catalog.commit}`,
      `catalog: component-tags tag sha-0000000 differs from the configured tag ${catalog.tag}`,
      `catalog: component-tags digest ${otherDigest} differs from the registry's ${catalog.digest}`,
    ]);
  });
  it('reports missing entries and unknown services, and ignores entries of services not being locked', () => {
    const tags = componentTagsFromLock(lock);
    delete tags.cart;
    tags.payments = tags.catalog!;
    const problems = crossCheckComponentTags(tags, { cart: lock.services.cart! }, ['cart', 'catalog']);
    assert.deepEqual(problems, ['payments: listed in component-tags but not a configured service', 'cart: no entry in component-tags']);
  });
  it('validates the file shape strictly', () => {
    assert.equal(componentTags.safeParse({ catalog: { tag: 'x', sha: 'abc', digest } }).success, false);
    assert.equal(componentTags.safeParse({ catalog: { tag: 'x', sha: commit, digest, extra: 1 } }).success, false);
    assert.equal(componentTags.safeParse({ 'Not A Name': { tag: 'x', sha: commit, digest } }).success, false);
  });
});

describe('hotfix', () => {
  const base = makeLock({ catalog: service('catalog'), cart: service('cart'), gateway: service('gateway') });
  it('keeps every base entry but the named ones and records the base integrity', () => {
    const fresh = service('cart', { commit: hex('cart-fix', 40), digest: `sha256:${hex('cart-fix-digest', 64)}` });
    const { services, hotfix } = hotfixServices(base, { cart: fresh });
    assert.deepEqual(services.catalog, base.services.catalog);
    assert.deepEqual(services.gateway, base.services.gateway);
    assert.deepEqual(services.cart, fresh);
    assert.deepEqual(hotfix, { baseIntegrity: base.integrity, services: ['cart'] });
    assert.notDeepEqual(base.services.cart, fresh, 'the base lock object is not modified');
  });
  it('checks --only against the base lock and the config, sorting and de-duplicating', () => {
    assert.deepEqual(checkHotfixServices('base.yaml', base, ['gateway', 'cart', 'gateway'], ['cart', 'catalog', 'gateway']), ['cart', 'gateway']);
    assert.throws(() => checkHotfixServices('base.yaml', base, ['payments'], ['payments']), (error: unknown) => error instanceof InputError && error.message === '--only: payments is not a service of the base lock base.yaml');
    assert.throws(() => checkHotfixServices('base.yaml', base, ['cart'], ['catalog']), /--only: cart is not a configured service/);
  });
});

describe('lock timestamp', () => {
  it('is now in UTC without fractions, or SOURCE_DATE_EPOCH', () => {
    assert.equal(lockTimestamp({}, new Date('2026-11-21T12:34:56.789Z')), '2026-11-21T12:34:56Z');
    assert.equal(lockTimestamp({ SOURCE_DATE_EPOCH: '1700000000' }, new Date()), '2023-11-14T22:13:20Z');
    assert.equal(lockTimestamp({ SOURCE_DATE_EPOCH: '' }, new Date('2026-01-01T00:00:00Z')), '2026-01-01T00:00:00Z');
  });
  it('refuses a SOURCE_DATE_EPOCH that is not whole seconds', () => {
    for (const bad of ['-1', '1.5', 'now', '99999999999999']) {
      assert.throws(() => lockTimestamp({ SOURCE_DATE_EPOCH: bad }), (error: unknown) => error instanceof InputError && error.message.startsWith('SOURCE_DATE_EPOCH: '), bad);
    }
  });
});

describe('git ls-tree output', () => {
  it('parses NUL-terminated records, keeping tabs and spaces in paths', () => {
    const sha = hex('gitlink', 40);
    const output = `160000 commit ${sha}\tservices/catalog\x00100644 blob ${hex('b', 40)}\tweird name\twith tab\0`;
    assert.deepEqual(parseLsTree(output), [
      { mode: '160000', type: 'commit', object: sha, path: 'services/catalog' },
      { mode: '100644', type: 'blob', object: hex('b', 40), path: 'weird name\twith tab' },
    ]);
    assert.deepEqual(parseLsTree(''), []);
  });
  it('normalises configured paths the way git names tree entries', () => {
    assert.equal(normalizeTreePath('./services/catalog/'), 'services/catalog');
    assert.equal(normalizeTreePath('services/catalog'), 'services/catalog');
  });
});
