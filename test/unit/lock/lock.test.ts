import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../../src/lock/canonical.js';
import { diffLocks } from '../../../src/lock/diff.js';
import { computeIntegrity, integrityMatches, lockId } from '../../../src/lock/integrity.js';
import { readLock } from '../../../src/lock/read.js';
import { renderDiffMarkdown, renderLockText } from '../../../src/lock/render.js';
import { imageRepository, releaseLock, serviceName } from '../../../src/lock/schema.js';
import { serializeLock } from '../../../src/lock/serialize.js';
import { writeLock } from '../../../src/lock/write.js';
import { InputError } from '../../../src/errors.js';
import { makeLock, service } from '../../support/lockFixtures.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth and ignores insertion order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
    assert.equal(canonicalJson({ x: 1, y: 2 }), canonicalJson({ y: 2, x: 1 }));
  });
  it('drops undefined members and refuses non-finite numbers', () => {
    assert.equal(canonicalJson({ a: undefined, b: 1 }), '{"b":1}');
    assert.throws(() => canonicalJson({ a: Number.NaN }));
  });
});

describe('integrity', () => {
  it('matches a freshly sealed lock and breaks on any edit to a service', () => {
    const lock = makeLock({ catalog: service('catalog'), cart: service('cart') });
    assert.ok(integrityMatches(lock));
    const edited = structuredClone(lock);
    edited.services.cart!.tag = 'sha-0000000';
    assert.ok(!integrityMatches(edited));
  });
  it('does not depend on key order', () => {
    const lock = makeLock({ catalog: service('catalog'), cart: service('cart') });
    const reordered = { ...lock, services: { cart: lock.services.cart!, catalog: lock.services.catalog! } };
    assert.equal(computeIntegrity(reordered), lock.integrity);
    assert.equal(lockId(lock).length, 12);
  });
});

describe('lock schema', () => {
  const valid = makeLock({ catalog: service('catalog') });
  const invalid: Array<[string, (lock: Record<string, any>) => void, string]> = [
    ['digest with 63 hex digits', (l) => (l.services.catalog.digest = `sha256:${'a'.repeat(63)}`), 'services.catalog.digest'],
    ['digest with 65 hex digits', (l) => (l.services.catalog.digest = `sha256:${'a'.repeat(65)}`), 'services.catalog.digest'],
    ['upper-case digest', (l) => (l.services.catalog.digest = `sha256:${'A'.repeat(64)}`), 'services.catalog.digest'],
    ['short commit', (l) => (l.services.catalog.commit = 'abc1234'), 'services.catalog.commit'],
    ['image with tag', (l) => (l.services.catalog.image = 'localhost:5000/acme/catalog:latest'), 'services.catalog.image'],
    ['image with digest', (l) => (l.services.catalog.image = `acme/catalog@sha256:${'a'.repeat(64)}`), 'services.catalog.image'],
    ['wrong apiVersion', (l) => (l.apiVersion = 'lockstep/v2'), 'apiVersion'],
    ['unknown field', (l) => (l.services.catalog.extra = 1), 'services.catalog'],
    ['empty services', (l) => (l.services = {}), 'services'],
    ['createdAt with offset', (l) => (l.createdAt = '2026-11-21T12:00:00+01:00'), 'createdAt'],
  ];
  for (const [name, mutate, path] of invalid) {
    it(`refuses ${name}`, () => {
      const lock = structuredClone(valid) as Record<string, any>;
      mutate(lock);
      const result = releaseLock.safeParse(lock);
      assert.equal(result.success, false);
      assert.equal(result.error!.issues[0]!.path.join('.').startsWith(path), true, result.error!.issues[0]!.path.join('.'));
    });
  }
  it('accepts repositories with a registry port and nested paths', () => {
    for (const ok of ['localhost:5000/acme/catalog', 'ghcr.example.com/a/b/c', 'catalog', 'my-registry:443/team_a/svc.x']) {
      assert.ok(imageRepository.safeParse(ok).success, ok);
    }
  });
  it('refuses service names that are not DNS labels', () => {
    for (const bad of ['../etc', 'a/b', 'with space', '$(id)', '`id`', 'a;b', 'A', 'x'.repeat(64), '-a']) {
      assert.equal(serviceName.safeParse(bad).success, false, bad);
    }
    assert.ok(serviceName.safeParse('x'.repeat(63)).success);
  });
});

describe('serialisation', () => {
  it('writes keys and services sorted, and reads back the same lock', async () => {
    const lock = makeLock({ zeta: service('zeta'), alpha: service('alpha') });
    const text = serializeLock(lock);
    assert.ok(text.indexOf('alpha:') < text.indexOf('zeta:'));
    assert.ok(text.indexOf('apiVersion') < text.indexOf('createdAt'));
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-lock-'));
    const file = join(dir, 'release.lock.yaml');
    await writeLock(file, lock);
    assert.deepEqual(await readLock(file), lock);
    await writeLock(join(dir, 'release.lock.json'), lock);
    assert.deepEqual(await readLock(join(dir, 'release.lock.json')), lock);
  });
  it('is byte-stable for equal input regardless of insertion order', () => {
    const a = makeLock({ cart: service('cart'), catalog: service('catalog') });
    const b = makeLock({ catalog: service('catalog'), cart: service('cart') });
    assert.equal(serializeLock(a), serializeLock(b));
  });
  it('reports a tampered file as an input error naming the integrity field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-lock-'));
    const file = join(dir, 'tampered.lock.yaml');
    await writeLock(file, makeLock({ catalog: service('catalog') }));
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.replace(/tag: sha-\w+/, 'tag: hacked'));
    await assert.rejects(readLock(file), (error: unknown) => error instanceof InputError && error.message === `${file}: integrity: ${error.problem}`);
  });
});

describe('diff and render', () => {
  it('classifies added, removed, changed and unchanged services', () => {
    const before = makeLock({ cart: service('cart'), catalog: service('catalog'), old: service('old') });
    const after = makeLock({
      cart: service('cart'),
      catalog: service('catalog', { digest: `sha256:${'b'.repeat(64)}`, tag: 'sha-bbbbbbb' }),
      gateway: service('gateway'),
    });
    const diff = diffLocks(before, after);
    assert.deepEqual(
      diff.services.map((entry) => [entry.service, entry.change]),
      [
        ['cart', 'unchanged'],
        ['catalog', 'changed'],
        ['gateway', 'added'],
        ['old', 'removed'],
      ],
    );
    assert.deepEqual(diff.services[1]!.fields, ['tag', 'digest']);
    assert.deepEqual(diff.summary, { added: 1, removed: 1, changed: 1, unchanged: 1 });
    const markdown = renderDiffMarkdown(diff);
    assert.match(markdown, /\| catalog \| changed \|/);
    assert.ok(!markdown.includes('| cart |'));
  });
  it('treats every service as added against no previous lock', () => {
    const diff = diffLocks(null, makeLock({ a: service('a') }));
    assert.equal(diff.summary.added, 1);
  });
  it('renders a readable table with short digests', () => {
    const text = renderLockText(makeLock({ catalog: service('catalog') }));
    assert.match(text, /^lock [0-9a-f]{12} · 1 service/);
    assert.match(text, /catalog\s+[0-9a-f]{7}\s+localhost:5000\/acme\/catalog/);
  });
});
