// lock generate / verify --registry / export, end to end: a real registry container, images pushed over
// the distribution API, real git repositories with real submodules, and the built CLI as a process.
import assert from 'node:assert/strict';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { readLock } from '../../../src/lock/read.js';
import type { ReleaseLock } from '../../../src/lock/schema.js';
import { dockerUnavailableReason } from '../../../support/docker.js';
import { pushImage, type PushImageOptions } from '../../../support/ociPush.js';
import { startRegistry, type StartedRegistry } from '../../../support/registry.js';
import { loadedModules } from '../../support/bundle.js';
import { cleanAuthEnv, commitFile, git, orchestratorRepo, pinSubmodule, removeTempDirs, runCli, serviceRepo, tempDir, writeConfig, type ConfigSpec } from './fixtures.js';

const unavailable = await dockerUnavailableReason();
const revision = 'org.opencontainers.image.revision';
const version = 'org.opencontainers.image.version';
const names = ['cart', 'catalog', 'gateway'] as const;

const exists = (file: string) => access(file).then(() => true, () => false);

describe('lockstep lock generate on a real registry and real submodules', { skip: unavailable ? `docker unavailable: ${unavailable}` : false }, () => {
  let registry: StartedRegistry;
  let root: string;
  let env: NodeJS.ProcessEnv;
  const sources: Record<string, { dir: string; commit: string }> = {};
  const pushed: Record<string, string> = {};

  const tagOf = (commit: string) => `sha-${commit.slice(0, 7)}`;
  const push = async (name: string, commit: string, options: Partial<PushImageOptions> = {}) => {
    const result = await pushImage(registry.host, { repository: `acme/${name}`, tag: tagOf(commit), labels: { [revision]: commit }, ...options });
    return result.digest;
  };
  const spec = (extra: Partial<ConfigSpec> = {}): ConfigSpec => ({
    services: Object.fromEntries(names.map((name) => [name, { path: `services/${name}`, image: `${registry.host}/acme/${name}` }])),
    ...extra,
  });
  /** A fresh orchestrator pinning every service at its first commit, so tests never see each other's bumps. */
  const freshOrchestrator = async (label: string) => {
    const dir = await tempDir(`orch-${label}`);
    const orchestrator = await orchestratorRepo(dir, Object.fromEntries(names.map((name) => [name, sources[name]!.dir])));
    // `submodule add` takes each service's current HEAD, which other tests move on.
    for (const name of names) {
      const pinned = await git(join(orchestrator.dir, 'services', name), 'rev-parse', 'HEAD');
      if (pinned !== sources[name]!.commit) orchestrator.commit = await pinSubmodule(orchestrator.dir, `services/${name}`, sources[name]!.commit);
    }
    return orchestrator;
  };

  before(async () => {
    registry = await startRegistry();
    root = await tempDir('lock-generate');
    env = cleanAuthEnv(root);
    for (const name of names) sources[name] = await serviceRepo(root, name);
    pushed.catalog = await push('catalog', sources.catalog!.commit, {
      labels: { [revision]: sources.catalog!.commit, [version]: '1.4.0' },
      created: '2026-11-20T09:14:03Z',
    });
    pushed.cart = await push('cart', sources.cart!.commit, { index: true, created: '2026-11-19T08:00:00Z' });
    // No revision label: provenance cannot be checked and is not required.
    pushed.gateway = await push('gateway', sources.gateway!.commit, { mediaType: 'docker', labels: { [version]: 'not-semver' } });
  });

  after(async () => {
    await registry?.stop();
    await removeTempDirs();
  });

  it('pins each gitlink commit, its tag, the registry digest (the index for multi-arch), build time and version', async () => {
    const orchestrator = await freshOrchestrator('pins');
    const config = await writeConfig(orchestrator.dir, spec({ repository: 'acme/orchestrator' }), 'lockstep.test.yaml');
    const out = join(orchestrator.dir, 'release.lock.yaml');
    const result = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--out', out, '--pull-request', '42'], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /✔ wrote .*release\.lock\.yaml \(lock [0-9a-f]{12}, 3 services\)/);
    const lock = await readLock(out);
    assert.deepEqual(lock.source, { repository: 'acme/orchestrator', ref: 'refs/heads/main', commit: orchestrator.commit, pullRequest: 42 });
    for (const name of names) {
      const entry = lock.services[name]!;
      assert.equal(entry.commit, sources[name]!.commit, `${name} commit`);
      assert.equal(entry.tag, tagOf(sources[name]!.commit));
      assert.equal(entry.digest, pushed[name], `${name} digest`);
      assert.equal(entry.image, `${registry.host}/acme/${name}`);
    }
    assert.equal(lock.services.catalog!.builtAt, '2026-11-20T09:14:03.000Z');
    assert.equal(lock.services.catalog!.version, '1.4.0');
    assert.equal(lock.services.cart!.builtAt, '2026-11-19T08:00:00.000Z', 'an index reads the linux/amd64 config');
    assert.equal(lock.services.gateway!.version, undefined, 'a non-semver version label is left out');
    assert.equal(lock.hotfix, undefined);

    const verified = await runCli(['-c', config, 'lock', 'verify', out, '--registry'], { env });
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /schema, integrity and registry digests ok/);
  });

  it("loads only what it needs: of the packages commander, yaml and zod, none of the other commands' code", async () => {
    const orchestrator = await freshOrchestrator('modules');
    const config = await writeConfig(orchestrator.dir, spec(), 'lockstep.test.yaml');
    const log = join(orchestrator.dir, 'modules.log');
    const result = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--out', join(orchestrator.dir, 'release.lock.yaml')], { env, moduleLog: log });
    assert.equal(result.code, 0, result.stderr);
    const loaded = await loadedModules(log);
    const packages = new Set(loaded.flatMap((path) => /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path)?.[1] ?? []));
    assert.deepEqual([...packages].sort(), ['commander', 'yaml', 'zod']);
    const ours = loaded.flatMap((path) => /^dist\/(.+)\.js$/.exec(path)?.[1] ?? []);
    assert.ok(ours.includes('stages/lockGenerate') && ours.includes('registry/client'), `the log names lockstep's own modules: ${ours.join(', ')}`);
    const otherCommands = /^(github|compose|docker|stack|report|demo|sandbox|policy|init|pipelines\/(?!plans)|environments\/(?!releases\/version))/;
    assert.deepEqual(
      ours.filter((module) => otherCommands.test(module)),
      [],
    );
  });

  it('reads gitlinks from the tree at --ref, not from the working tree', async () => {
    const orchestrator = await freshOrchestrator('ref');
    const config = await writeConfig(orchestrator.dir, spec(), 'lockstep.test.yaml');
    const catalogV2 = await commitFile(sources.catalog!.dir, 'main.txt', 'catalog v2\n');
    const digestV2 = await push('catalog', catalogV2);
    const bumped = await pinSubmodule(orchestrator.dir, 'services/catalog', catalogV2);
    // Leave the working tree disagreeing with HEAD: the submodule checked out back at v1, uncommitted.
    await git(join(orchestrator.dir, 'services/catalog'), 'checkout', '-q', sources.catalog!.commit);

    const atHead = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--json'], { env: { ...env, GITHUB_REPOSITORY: 'acme/from-actions' } });
    assert.equal(atHead.code, 0, atHead.stderr);
    const headLock = JSON.parse(atHead.stdout) as ReleaseLock;
    assert.equal(headLock.source.repository, 'acme/from-actions', 'no repository in the config: GITHUB_REPOSITORY');
    assert.equal(headLock.source.commit, bumped);
    assert.equal(headLock.services.catalog!.commit, catalogV2);
    assert.equal(headLock.services.catalog!.digest, digestV2);

    const atFirst = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--ref', orchestrator.commit, '--json'], { env });
    assert.equal(atFirst.code, 0, atFirst.stderr);
    const firstLock = JSON.parse(atFirst.stdout) as ReleaseLock;
    assert.equal(firstLock.source.ref, orchestrator.commit, 'a bare commit is recorded as given');
    assert.equal(firstLock.source.repository, 'orchestrator', 'neither config nor GITHUB_REPOSITORY: the directory name');
    assert.equal(firstLock.services.catalog!.commit, sources.catalog!.commit);
    assert.equal(firstLock.services.catalog!.digest, pushed.catalog);
  });

  it('lists every missing image with its tag and repository, exits 1 and writes nothing', async () => {
    const orchestrator = await freshOrchestrator('missing');
    const services = spec().services;
    services.cart!.image = `${registry.host}/acme/never-pushed-cart`;
    services.gateway!.tag = 'release-{shortCommit}';
    const config = await writeConfig(orchestrator.dir, { services }, 'lockstep.test.yaml');
    const out = join(orchestrator.dir, 'release.lock.yaml');
    const result = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--out', out], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /2 of 3 images not found in the registry/);
    const short = (name: string) => sources[name]!.commit.slice(0, 7);
    assert.ok(result.stderr.includes(`cart: tag sha-${short('cart')} not found in ${registry.host}/acme/never-pushed-cart — was it built?`), result.stderr);
    assert.ok(result.stderr.includes(`gateway: tag release-${short('gateway')} not found in ${registry.host}/acme/gateway — was it built?`), result.stderr);
    assert.ok(!result.stderr.includes('catalog:'), 'services that resolved are not listed');
    assert.equal(await exists(out), false);
    assert.equal(result.stdout, '');
  });

  it('refuses an image whose revision label names another commit (PROVENANCE), naming both commits', async () => {
    const orchestrator = await freshOrchestrator('provenance');
    const liar = await pushImage(registry.host, {
      repository: 'acme/liar',
      tag: tagOf(sources.catalog!.commit),
      labels: { [revision]: sources.cart!.commit },
    });
    assert.ok(liar.digest);
    const services = spec().services;
    services.catalog!.image = `${registry.host}/acme/liar`;
    const config = await writeConfig(orchestrator.dir, { services }, 'lockstep.test.yaml');
    const out = join(orchestrator.dir, 'release.lock.yaml');
    const result = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--out', out], { env });
    assert.equal(result.code, 1);
    assert.ok(result.stderr.includes(`catalog: ${registry.host}/acme/liar:${tagOf(sources.catalog!.commit)} was built from commit ${sources.cart!.commit}`), result.stderr);
    assert.ok(result.stderr.includes(`but the submodule pins ${sources.catalog!.commit}`), result.stderr);
    assert.equal(await exists(out), false);
  });

  it('hotfix: equals the base lock except the named services, re-resolved at --ref', async () => {
    const orchestrator = await freshOrchestrator('hotfix');
    const config = await writeConfig(orchestrator.dir, spec(), 'lockstep.test.yaml');
    const baseFile = join(orchestrator.dir, 'base.lock.yaml');
    assert.equal((await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--out', baseFile], { env })).code, 0);
    const base = await readLock(baseFile);

    const cartFix = await commitFile(sources.cart!.dir, 'fix.txt', 'hotfix\n');
    const cartFixDigest = await push('cart', cartFix);
    const catalogNext = await commitFile(sources.catalog!.dir, 'next.txt', 'not part of the hotfix\n');
    await push('catalog', catalogNext);
    await pinSubmodule(orchestrator.dir, 'services/cart', cartFix);
    const head = await pinSubmodule(orchestrator.dir, 'services/catalog', catalogNext);

    const out = join(orchestrator.dir, 'hotfix.lock.yaml');
    const result = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--base', baseFile, '--only', 'cart', '--out', out], { env });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /hotfix of cart/);
    const hotfix = await readLock(out);
    assert.deepEqual(hotfix.hotfix, { baseIntegrity: base.integrity, services: ['cart'] });
    assert.deepEqual(hotfix.services.catalog, base.services.catalog, 'catalog moved in git but is not part of the hotfix');
    assert.deepEqual(hotfix.services.gateway, base.services.gateway);
    assert.equal(hotfix.services.cart!.commit, cartFix);
    assert.equal(hotfix.services.cart!.digest, cartFixDigest);
    assert.equal(hotfix.source.commit, head);

    const unknown = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--base', baseFile, '--only', 'payments'], { env });
    assert.equal(unknown.code, 2);
    assert.equal(unknown.stderr.trim(), `lockstep: --only: payments is not a service of the base lock ${baseFile}`);
    const alone = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--only', 'cart'], { env });
    assert.equal(alone.code, 2);
    assert.match(alone.stderr, /--only: needs --base/);
  });

  it('two runs differ only in createdAt and integrity; the same SOURCE_DATE_EPOCH makes them identical', async () => {
    const orchestrator = await freshOrchestrator('repro');
    const config = await writeConfig(orchestrator.dir, spec(), 'lockstep.test.yaml');
    const generate = (epoch: string) => runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir], { env: { ...env, SOURCE_DATE_EPOCH: epoch } });
    const [first, second, again] = [await generate('1700000000'), await generate('1800000000'), await generate('1700000000')];
    for (const run of [first, second, again]) assert.equal(run.code, 0, run.stderr);
    const differing = (a: string, b: string) => {
      const left = a.split('\n');
      const right = b.split('\n');
      assert.equal(left.length, right.length);
      return left.flatMap((line, index) => (line === right[index] ? [] : [line.split(':')[0]]));
    };
    assert.deepEqual(differing(first.stdout, second.stdout), ['createdAt', 'integrity']);
    const parsed = parse(first.stdout) as ReleaseLock;
    assert.equal(parsed.createdAt, '2023-11-14T22:13:20Z');
    assert.equal(first.stdout, again.stdout, 'byte-identical with the same SOURCE_DATE_EPOCH');
    assert.ok(first.stdout.startsWith('# lockstep release lock'));
  });

  it('component-tags: exports a lock, accepts a matching file and names the service and both values on a mismatch', async () => {
    const orchestrator = await freshOrchestrator('component-tags');
    const config = await writeConfig(orchestrator.dir, spec(), 'lockstep.test.yaml');
    const lockFile = join(orchestrator.dir, 'release.lock.yaml');
    assert.equal((await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--out', lockFile], { env })).code, 0);
    const tagsFile = join(orchestrator.dir, 'component-tags.json');
    const exported = await runCli(['lock', 'export', '--format', 'component-tags', '--lock', lockFile, '--out', tagsFile], { env });
    assert.equal(exported.code, 0, exported.stderr);
    const tags = JSON.parse(await readFile(tagsFile, 'utf8')) as Record<string, { tag: string; sha: string; digest: string }>;
    assert.deepEqual(tags.catalog, { tag: tagOf(sources.catalog!.commit), sha: sources.catalog!.commit, digest: pushed.catalog });

    const ok = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--component-tags', tagsFile], { env });
    assert.equal(ok.code, 0, ok.stderr);

    const wrongDigest = `sha256:${'0'.repeat(64)}`;
    tags.cart = { ...tags.cart!, digest: wrongDigest };
    await writeFile(tagsFile, JSON.stringify(tags));
    const out = join(orchestrator.dir, 'checked.lock.yaml');
    const bad = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--component-tags', tagsFile, '--out', out], { env });
    assert.equal(bad.code, 1);
    assert.ok(bad.stderr.includes(`cart: component-tags digest ${wrongDigest} differs from the registry's ${pushed.cart}`), bad.stderr);
    assert.equal(await exists(out), false);

    await writeFile(tagsFile, JSON.stringify({ cart: { ...tags.cart, sha: 'abc' } }));
    const invalid = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--component-tags', tagsFile], { env });
    assert.equal(invalid.code, 2);
    assert.equal(invalid.stderr.trim(), `lockstep: ${tagsFile}: cart.sha: must be a full 40-hex-digit git commit`);
  });

  it('refuses a configured path that is not a submodule at the ref, naming the service and the path, and a missing repository', async () => {
    const orchestrator = await freshOrchestrator('not-submodule');
    await commitFile(orchestrator.dir, 'README.md', '# orchestrator\n');
    const services = spec().services;
    services.catalog!.path = 'README.md';
    services.cart!.path = 'services/nothing-here';
    const config = await writeConfig(orchestrator.dir, { services }, 'lockstep.test.yaml');
    const result = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /2 configured paths are not submodules at refs\/heads\/main/);
    assert.match(result.stderr, /catalog: README\.md is not a submodule at refs\/heads\/main \(a file there\)/);
    assert.match(result.stderr, /cart: services\/nothing-here is not a submodule at refs\/heads\/main \(nothing there\)/);
    assert.equal(result.stdout, '');

    const noRepo = await runCli(['-c', config, 'lock', 'generate', '--repo', join(orchestrator.dir, 'nope')], { env });
    assert.equal(noRepo.code, 1);
    assert.match(noRepo.stderr, /nope does not exist or is not a directory/);
  });

  it('verify --registry lists every digest the registry no longer holds', async () => {
    const orchestrator = await freshOrchestrator('verify');
    const config = await writeConfig(orchestrator.dir, spec(), 'lockstep.test.yaml');
    const repoName = `acme/doomed-${Date.now()}`;
    const doomed = await pushImage(registry.host, { repository: repoName, tag: tagOf(sources.gateway!.commit) });
    const services = spec().services;
    services.gateway!.image = `${registry.host}/${repoName}`;
    await writeConfig(orchestrator.dir, { services }, 'lockstep.test.yaml');
    const lockFile = join(orchestrator.dir, 'release.lock.yaml');
    const generated = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--out', lockFile], { env });
    assert.equal(generated.code, 0, generated.stderr);
    const deleted = await fetch(`${registry.url}/v2/${repoName}/manifests/${doomed.digest}`, { method: 'DELETE' });
    assert.equal(deleted.status, 202);

    const result = await runCli(['-c', config, 'lock', 'verify', lockFile, '--registry'], { env });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /1 of 3 digests in .* are missing from the registry/);
    assert.ok(result.stderr.includes(`gateway: ${registry.host}/${repoName}@${doomed.digest} not found`), result.stderr);
    const plain = await runCli(['lock', 'verify', lockFile], { env });
    assert.equal(plain.code, 0, 'without --registry only schema and integrity are checked');
    const withDefaults = await runCli(['lock', 'verify', lockFile, '--registry'], { env, cwd: orchestrator.dir });
    assert.equal(withDefaults.code, 1, 'no lockstep.config.yaml here: the registry defaults apply');
    assert.ok(withDefaults.stderr.includes(`gateway: ${registry.host}/${repoName}@${doomed.digest} not found`), withDefaults.stderr);
  });
});
