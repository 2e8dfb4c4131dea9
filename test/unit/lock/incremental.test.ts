// Incremental lock generation (issue 18.1) through the stage's ports: a registry double that counts
// calls, and a git port answering from a table. No network, no repository.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { InputError } from '../../../src/errors.js';
import { readLockAtRef } from '../../../src/lock/readAtRef.js';
import { renderLockFile } from '../../../src/lock/write.js';
import type { ImageInspection, RegistryClient, ResolvedTag } from '../../../src/registry/client.js';
import { generateLock, type GitPort } from '../../../src/stages/lockGenerate.js';
import { hex, makeLock, service } from '../../support/lockFixtures.js';

const execFileAsync = promisify(execFile);
const names = ['cart', 'catalog', 'gateway'];
const previous = makeLock(Object.fromEntries(names.map((name) => [name, { ...service(name), builtAt: '2026-01-01T00:00:00Z', version: '1.0.0' }])));

/** Answers from a table of tag → digest; counts each kind of call. */
function countingRegistry(digests: Record<string, string>) {
  const calls = { resolveTag: [] as string[], inspectTag: [] as string[] };
  const registry: RegistryClient = {
    async resolveTag(image): Promise<ResolvedTag> {
      calls.resolveTag.push(image);
      return { digest: digests[image]!, mediaType: 'application/vnd.oci.image.manifest.v1+json' };
    },
    async inspectTag(image): Promise<ImageInspection> {
      calls.inspectTag.push(image);
      return { digest: digests[image]!, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { created: '2026-05-05T05:05:05Z', labels: {} } };
    },
    manifestExists: async () => true,
    readImageConfig: async () => null,
    requestCount: () => calls.resolveTag.length + 2 * calls.inspectTag.length,
    close: () => undefined,
  };
  return { registry, calls };
}

const git: GitPort = {
  resolveRef: async () => ({ name: 'refs/heads/dev', commit: hex('orchestrator', 40), topLevel: '/repo' }),
  readGitlinks: async (_dir, _commit, paths) =>
    new Map(paths.map((path) => [path, { found: 'gitlink' as const, commit: previous.services[path.split('/')[1]!]!.commit }])),
};

const input = {
  configFile: 'lockstep.config.yaml',
  services: Object.fromEntries(names.map((name) => [name, { path: `services/${name}`, image: previous.services[name]!.image, tag: 'sha-{shortCommit}' }])),
  repoDir: '/repo',
  ref: 'HEAD',
  env: { SOURCE_DATE_EPOCH: '1767225600' },
};

describe('incremental lock generation', () => {
  it('carries over an unchanged service after one tag resolution, and reads a moved tag in full', async () => {
    const digests = Object.fromEntries(names.map((name) => [previous.services[name]!.image, previous.services[name]!.digest]));
    const moved = `sha256:${hex('re-pushed', 64)}`;
    digests[previous.services.gateway!.image] = moved;
    const { registry, calls } = countingRegistry(digests);
    const result = await generateLock({ ...input, previous: { file: 'base.lock.yaml', lock: previous } }, { registry, git });
    assert.deepEqual(result.reused, ['cart', 'catalog']);
    assert.equal(calls.resolveTag.length, 3, 'one HEAD per service that might be unchanged');
    assert.deepEqual(calls.inspectTag, [previous.services.gateway!.image], 'only the re-pushed tag is read in full');
    assert.deepEqual(result.lock.services.cart, previous.services.cart, 'builtAt, version and provenance are kept');
    assert.equal(result.lock.services.gateway!.digest, moved);
    assert.equal(result.lock.services.gateway!.builtAt, '2026-05-05T05:05:05Z');
  });
  it('reads a service in full when its commit changed, and everything without a base lock', async () => {
    const digests = Object.fromEntries(names.map((name) => [previous.services[name]!.image, previous.services[name]!.digest]));
    const changed = { ...previous, services: { ...previous.services, cart: { ...previous.services.cart!, commit: hex('older', 40) } } };
    const first = countingRegistry(digests);
    await generateLock({ ...input, previous: { file: 'base.lock.yaml', lock: changed } }, { registry: first.registry, git });
    assert.deepEqual(first.calls.inspectTag, [previous.services.cart!.image]);
    const none = countingRegistry(digests);
    const result = await generateLock(input, { registry: none.registry, git });
    assert.equal(none.calls.resolveTag.length, 0);
    assert.equal(none.calls.inspectTag.length, 3);
    assert.deepEqual(result.reused, []);
  });
  it('records the canonical repository for a Docker Hub name written short', async () => {
    const { registry, calls } = countingRegistry({ 'docker.io/library/nginx': `sha256:${hex('nginx', 64)}` });
    const result = await generateLock(
      { ...input, services: { cart: { path: 'services/cart', image: 'nginx', tag: 'sha-{shortCommit}' } } },
      { registry, git },
    );
    assert.equal(result.lock.services.cart!.image, 'docker.io/library/nginx');
    assert.deepEqual(calls.inspectTag, ['docker.io/library/nginx']);
  });
});

describe('the current lock at a ref (--base-ref)', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));
  const gitIn = (dir: string, ...args: string[]) => execFileAsync('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@lockstep.invalid', ...args]);

  it('reads the committed lock with git show, is undefined where there is none, and refuses an edited one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-base-ref-'));
    dirs.push(dir);
    await gitIn(dir, 'init', '-q', '-b', 'dev');
    await writeFile(join(dir, 'README'), 'x\n');
    await gitIn(dir, 'add', 'README');
    await gitIn(dir, 'commit', '-q', '-m', 'start');
    assert.equal(await readLockAtRef(dir, 'dev', 'locks/current.lock.yaml'), undefined);
    await mkdir(join(dir, 'locks'));
    await writeFile(join(dir, 'locks', 'current.lock.yaml'), renderLockFile(previous, 'yaml'));
    await gitIn(dir, 'add', 'locks');
    await gitIn(dir, 'commit', '-q', '-m', 'lock');
    // The working tree changes afterwards; only the committed lock counts.
    await writeFile(join(dir, 'locks', 'current.lock.yaml'), 'garbage: [');
    const found = await readLockAtRef(dir, 'dev', 'locks/current.lock.yaml');
    assert.equal(found?.lock.integrity, previous.integrity);
    assert.equal(found?.file, 'dev:locks/current.lock.yaml');
    await writeFile(join(dir, 'locks', 'current.lock.yaml'), renderLockFile(previous, 'yaml').replace(previous.services.cart!.digest, `sha256:${'1'.repeat(64)}`));
    await gitIn(dir, 'commit', '-q', '-am', 'edit');
    await assert.rejects(readLockAtRef(dir, 'dev', 'locks/current.lock.yaml'), (error: unknown) => error instanceof InputError && error.message.startsWith('dev:locks/current.lock.yaml: integrity:'));
  });
});
