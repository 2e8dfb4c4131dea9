import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkDigestOnly, type PolicyViolation } from '../../../src/policy/digestOnly.js';
import { isPinnedDigest, parseImageReference } from '../../../src/policy/imageReference.js';
import { assertDigestOnly, checkDigestOnlyPaths } from '../../../src/stages/policyDigestOnly.js';
import { renderDigestOnlyText } from '../../../src/policy/render.js';
import { LockstepError } from '../../../src/errors.js';

const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

async function check(name: string): Promise<{ text: string; violations: PolicyViolation[]; references: number; sources: string[] }> {
  const text = await readFile(`${fixtures}${name}`, 'utf8');
  return { text, ...checkDigestOnly(name, text) };
}

/** The 1-based line of the first occurrence of `needle`, so expectations follow the fixture, not a copy of it. */
function lineOf(text: string, needle: string): number {
  const index = text.indexOf(needle);
  assert.notEqual(index, -1, `fixture lacks ${needle}`);
  return text.slice(0, index).split('\n').length;
}

describe('parseImageReference', () => {
  it('splits repository, tag and digest, keeping a registry port out of the tag', () => {
    assert.deepEqual(parseImageReference('localhost:5000/acme/web:1.2@sha256:ab'), { repository: 'localhost:5000/acme/web', tag: '1.2', digest: 'sha256:ab' });
    assert.deepEqual(parseImageReference('localhost:5000/acme/web'), { repository: 'localhost:5000/acme/web', tag: null, digest: null });
    assert.deepEqual(parseImageReference('redis'), { repository: 'redis', tag: null, digest: null });
    assert.equal(isPinnedDigest(`sha256:${'f'.repeat(64)}`), true);
    assert.equal(isPinnedDigest(`sha256:${'F'.repeat(64)}`), false);
    assert.equal(isPinnedDigest('sha256:abc'), false);
  });
});

describe('digest-only policy: compose files', () => {
  it('flags tags, interpolation, aliases and bare names, naming the line', async () => {
    const { text, violations, references, sources } = await check('compose.yaml');
    assert.deepEqual(sources, ['compose']);
    assert.equal(references, 5, 'build-only services have no image to check');
    const byPath = new Map(violations.map((violation) => [violation.path, violation]));
    assert.deepEqual([...byPath.keys()].sort(), ['services.cart.image', 'services.gateway.image', 'services.redis.image', 'services.worker.image']);
    assert.equal(byPath.get('services.cart.image')!.line, lineOf(text, 'acme/cart:1.4.2'));
    assert.match(byPath.get('services.cart.image')!.problem, /tag 1\.4\.2 can move/);
    assert.match(byPath.get('services.gateway.image')!.problem, /interpolated/);
    assert.equal(byPath.get('services.redis.image')!.latest, true, 'no tag means latest');
    assert.equal(byPath.get('services.worker.image')!.reference, 'localhost:5000/acme/node:20', 'an alias is checked for what it points at');
    assert.equal(byPath.get('services.worker.image')!.line, lineOf(text, 'image: *node-image'));
    assert.match(byPath.get('services.worker.image')!.problem, new RegExp(`via an alias of line ${lineOf(text, 'localhost:5000/acme/node:20')}`));
  });
});

describe('digest-only policy: Kubernetes manifests', () => {
  it('checks every pod spec container list in every document, whatever the kind', async () => {
    const { text, violations, sources } = await check('manifests.yaml');
    assert.deepEqual(sources, ['kubernetes', 'kubernetes', 'kubernetes', 'kubernetes']);
    const rows = violations.map((violation) => [violation.path, violation.line, violation.latest]);
    assert.deepEqual(rows, [
      ['[doc 1] Deployment/web spec.template.spec.initContainers[migrate].image', lineOf(text, 'migrate:latest'), true],
      ['[doc 1] Deployment/web spec.template.spec.containers[proxy].image', lineOf(text, 'proxy:latest@'), true],
      ['[doc 2] CronJob/nightly spec.jobTemplate.spec.template.spec.containers[report].image', lineOf(text, 'report@sha256:abc'), false],
      ['[doc 3] Pod/debug spec.ephemeralContainers[shell].image', lineOf(text, 'busybox'), true],
    ]);
    assert.match(violations[1]!.problem, /pinned by digest but also names the tag latest/);
    assert.match(violations[2]!.problem, /not sha256:<64 lower-case hex>/);
  });
});

describe('digest-only policy: helm values', () => {
  it('checks image maps and image strings, and calls out latest', async () => {
    const { text, violations, references, sources } = await check('values-prod.yaml');
    assert.deepEqual(sources, ['helm-values']);
    assert.equal(references, 4);
    assert.deepEqual(
      violations.map((violation) => [violation.path, violation.reference, violation.line, violation.latest]),
      [
        ['cart.image', 'localhost:5000/acme/cart:latest', lineOf(text, 'tag: latest'), true],
        ['sidecars[0].image', 'localhost:5000/acme/metrics:2.1', lineOf(text, 'tag: "2.1"'), false],
      ],
    );
    assert.match(violations[0]!.problem, /mutable tag latest/);
  });
});

describe('digest-only policy: inputs', () => {
  it('refuses YAML it cannot parse, naming the file and line', () => {
    assert.throws(() => checkDigestOnly('bad.yaml', 'services:\n  web:\n    image: [\n'), /bad\.yaml: line \d+: invalid YAML/);
    assert.throws(() => checkDigestOnly('dup.yaml', 'a: 1\na: 2\n'), /dup\.yaml: line 2: invalid YAML/);
  });

  it('ignores empty documents and non-mapping roots', () => {
    assert.deepEqual(checkDigestOnly('empty.yaml', '---\n---\n- a\n'), { references: 0, sources: [], violations: [] });
  });
});

describe('digest-only stage over paths', () => {
  it('walks directories for *.yaml and *.yml, skipping chart templates with the reason', async () => {
    const report = await checkDigestOnlyPaths({ paths: [`${fixtures}tree`] });
    assert.deepEqual(
      report.files.map((file) => file.file.slice(fixtures.length)),
      ['tree/chart/values.yaml', 'tree/nested/clean.yml'],
    );
    assert.deepEqual(report.skipped.map((skip) => skip.path.slice(fixtures.length)), ['tree/chart/templates']);
    assert.equal(report.references, 2);
    assert.equal(report.violations.length, 1);
    assert.equal(report.ok, false);
  });

  it('fails with POLICY_VIOLATION (exit 4) and a table naming file:line; passes clean input', async () => {
    const report = await checkDigestOnlyPaths({ paths: [`${fixtures}values-prod.yaml`, `${fixtures}values-prod.yaml`] });
    assert.equal(report.files.length, 1, 'a file named twice is checked once');
    const text = renderDigestOnlyText(report);
    assert.match(text, /values-prod\.yaml:\d+ +helm-values +cart\.image +localhost:5000\/acme\/cart:latest +uses the mutable tag latest/);
    assert.throws(() => assertDigestOnly(report), (error: LockstepError) => error.code === 'POLICY_VIOLATION' && error.exitCode === 4 && /2 of 4 image references .* \(1 use latest\)/.test(error.message));

    const clean = await checkDigestOnlyPaths({ paths: ['-'], readStdin: async () => `services:\n  a:\n    image: r/a@sha256:${'0'.repeat(64)}\n` });
    assert.doesNotThrow(() => assertDigestOnly(clean));
    assert.match(renderDigestOnlyText(clean), /✔ 1 image reference in 1 file, all pinned by digest/);
  });

  it('a missing path or a directory without YAML is bad input', async () => {
    await assert.rejects(checkDigestOnlyPaths({ paths: [`${fixtures}nope.yaml`] }), /nope\.yaml: file not found/);
    const empty = await mkdtemp(join(tmpdir(), 'policy-'));
    try {
      await writeFile(join(empty, 'notes.txt'), 'image: redis\n');
      await assert.rejects(checkDigestOnlyPaths({ paths: [empty] }), (error: LockstepError) => error.code === 'BAD_INPUT' && /holds no \*\.yaml or \*\.yml files/.test(error.message));
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe('digest-only policy: where a reference pulls from (issue 19.1)', () => {
  it('names the canonical repository, with Docker Hub names resolved as Docker resolves them', () => {
    const text = 'services:\n  a:\n    image: redis:7\n  b:\n    image: index.docker.io/acme/web\n  c:\n    image: localhost:5000/acme/cart:1\n  d:\n    image: ${IMAGE}:1\n';
    const { violations } = checkDigestOnly('compose.yaml', text);
    assert.deepEqual(
      violations.map((violation) => [violation.path, violation.repository]),
      [
        ['services.a.image', 'docker.io/library/redis'],
        ['services.b.image', 'docker.io/acme/web'],
        ['services.c.image', 'localhost:5000/acme/cart'],
        ['services.d.image', null],
      ],
    );
  });
});
