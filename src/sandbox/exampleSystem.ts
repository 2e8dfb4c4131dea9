import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../config/load.js';
import type { LockstepConfig } from '../config/schema.js';
import { LockstepError } from '../errors.js';
import { sealLock } from '../lock/integrity.js';
import type { LockedService, ReleaseLock } from '../lock/schema.js';
import { renderTag } from '../lock/tagTemplate.js';
import { writeLock } from '../lock/write.js';
import { readGitlinks } from '../git/readGitlinks.js';
import { commitAll, git } from './git.js';
import { baseImagesFromEnv, buildAndPush, untag, type BaseImages } from './images.js';
import { renderSandboxConfig, sandboxConfig } from './sandboxConfig.js';

/**
 * The example system as a pipeline would meet it: one git repository per service, an orchestrator
 * repository pinning them as submodules (branches dev, staging, main), and every service image built
 * with REVISION=<commit> and pushed to a registry. Used by the tests, the benchmarks and the demo.
 */

/** The example system shipped in this package: compose/ and lockstep.config.yaml at the package root. */
export const examplePackageRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface SandboxService {
  name: string;
  /** The service's own repository. */
  repoDir: string;
  commit: string;
  /** Repository on the sandbox registry, without tag. */
  image: string;
  tag: string;
  digest: string;
  builtAt: string | null;
  version: string | null;
}

export interface ExampleSystem {
  /** The folder holding everything below. */
  root: string;
  registryHost: string;
  /** The orchestrator repository (checked out on dev). */
  repoDir: string;
  configFile: string;
  config: LockstepConfig;
  /** Each service as last built (after changeService: the changed one). */
  services: Record<string, SandboxService>;
  /** Every image built so far, oldest first: locks of older refs find theirs here. */
  builds: SandboxService[];
  bases: BaseImages;
}

export interface CreateExampleSystemOptions {
  /** An empty or missing folder to create the repositories in. */
  root: string;
  /** `host:port` of the registry the images are pushed to. */
  registryHost: string;
  /** Only these services (default: all of the example config). */
  services?: string[];
  /** Base images for the builds (default: LOCKSTEP_NODE_IMAGE / LOCKSTEP_BASE_IMAGE, else the public ones). */
  bases?: BaseImages;
  progress?: (message: string) => void;
  signal?: AbortSignal;
}

export async function createExampleSystem(options: CreateExampleSystemOptions): Promise<ExampleSystem> {
  const progress = options.progress ?? (() => {});
  const example = await loadConfig(join(examplePackageRoot, 'lockstep.config.yaml'));
  const names = options.services ?? Object.keys(example.services).sort();
  const unknown = names.filter((name) => !example.services[name]);
  if (unknown.length > 0) throw new LockstepError('BAD_INPUT', `the example system has no service ${unknown.join(', ')}`);
  const config = sandboxConfig(example, options.registryHost);
  config.services = Object.fromEntries(names.map((name) => [name, config.services[name]!]));
  const root = resolve(options.root);
  const bases = options.bases ?? baseImagesFromEnv();

  const services: Record<string, SandboxService> = {};
  for (const name of names) {
    const repoDir = join(root, 'repos', name);
    await mkdir(repoDir, { recursive: true });
    await cp(join(examplePackageRoot, 'compose', 'services', name), repoDir, { recursive: true });
    await git(repoDir, ['init', '--quiet']);
    const commit = await commitAll(repoDir, `Add ${name}`);
    services[name] = { name, repoDir, commit, image: config.services[name]!.image, tag: '', digest: '', builtAt: null, version: null };
  }

  const repoDir = join(root, 'orchestrator');
  await mkdir(repoDir, { recursive: true });
  await git(repoDir, ['init', '--quiet']);
  await cp(join(examplePackageRoot, 'compose', 'compose.yaml'), join(repoDir, 'compose.yaml'));
  await cp(join(examplePackageRoot, 'compose', 'tests'), join(repoDir, 'tests'), { recursive: true });
  await writeFile(join(repoDir, '.gitignore'), '.lockstep/\nreport/\n');
  const configFile = join(repoDir, 'lockstep.config.yaml');
  await writeFile(configFile, renderSandboxConfig(config));
  for (const name of names) {
    await git(repoDir, ['submodule', '--quiet', 'add', services[name]!.repoDir, config.services[name]!.path]);
  }
  await commitAll(repoDir, 'Pin the example services');
  await git(repoDir, ['branch', 'staging']);
  await git(repoDir, ['checkout', '--quiet', '-b', 'dev']);
  progress(`sandbox: orchestrator at ${repoDir} (branches main, staging, dev)`);

  const system: ExampleSystem = { root, registryHost: options.registryHost, repoDir, configFile, config, services, builds: [], bases };
  for (const name of names) await buildService(system, name, options);
  return system;
}

async function buildService(system: ExampleSystem, name: string, options: { progress?: (message: string) => void; signal?: AbortSignal } = {}): Promise<SandboxService> {
  const service = system.services[name]!;
  const tag = renderTag(system.config.services[name]!.tag, service.commit);
  options.progress?.(`sandbox: building ${name} ${service.image}:${tag}`);
  const built = await buildAndPush(service.repoDir, { repository: service.image, tag, commit: service.commit, bases: system.bases, signal: options.signal });
  Object.assign(service, { tag, digest: built.digest, builtAt: built.builtAt, version: built.version });
  system.builds.push({ ...service });
  return service;
}

/** How a service is changed on purpose: a new version, or a release that is broken in a known way. */
export type ServiceChange =
  | { kind: 'bump' }
  /** Its /healthz answers 503 (FAIL_HEALTH=1 baked into the image); with `only`, only where DEPLOY_ENV is that. */
  | { kind: 'unhealthy'; only?: string }
  /** It exits with code 1 on start (CRASH_ON_START=1 baked into the image). */
  | { kind: 'crash' }
  /** Healthy, but serves its products without prices where DEPLOY_ENV is `only` (FAIL_PRICES_IN): smoke tests there fail. */
  | { kind: 'unpriced'; only: string };

/**
 * Commits a change to a service's repository, moves the orchestrator's submodule on `branch` (default
 * dev) to it, then builds and pushes the new image. `system.services[name]` is updated and returned.
 */
export async function changeService(
  system: ExampleSystem,
  name: string,
  change: ServiceChange,
  options: { branch?: string; progress?: (message: string) => void; signal?: AbortSignal } = {},
): Promise<SandboxService> {
  const service = system.services[name];
  if (!service) throw new LockstepError('BAD_INPUT', `the sandbox has no service ${name}`);
  const message = await applyChange(service.repoDir, name, change);
  service.commit = await commitAll(service.repoDir, message);
  const branch = options.branch ?? 'dev';
  const path = system.config.services[name]!.path;
  await git(system.repoDir, ['checkout', '--quiet', branch]);
  await git(join(system.repoDir, path), ['fetch', '--quiet', 'origin']);
  await git(join(system.repoDir, path), ['checkout', '--quiet', service.commit]);
  await commitAll(system.repoDir, `${message} (${service.commit.slice(0, 7)})`);
  return buildService(system, name, options);
}

async function applyChange(dir: string, name: string, change: ServiceChange): Promise<string> {
  if (change.kind === 'bump') {
    const manifestFile = join(dir, 'package.json');
    const entries = await readdir(dir);
    if (entries.includes('package.json')) {
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { version: string };
      manifest.version = nextPatch(manifest.version);
      await writeFile(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
      return `Bump ${name} to ${manifest.version}`;
    }
    const version = nextPatch((await readFile(join(dir, 'VERSION'), 'utf8')).trim());
    await writeFile(join(dir, 'VERSION'), `${version}\n`);
    return `Bump ${name} to ${version}`;
  }
  const dockerfileName = join(dir, 'Dockerfile');
  const dockerfile = await readFile(dockerfileName, 'utf8');
  if (!dockerfile.includes('FAIL_HEALTH=0')) throw new LockstepError('BAD_INPUT', `${name} cannot be broken on purpose: its Dockerfile sets no FAIL_HEALTH`);
  if (change.kind === 'crash') {
    await writeFile(dockerfileName, dockerfile.replace('FAIL_HEALTH=0', 'FAIL_HEALTH=0 CRASH_ON_START=1'));
    return `Break ${name}: crash on start`;
  }
  if (change.kind === 'unpriced') {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(change.only)) throw new LockstepError('BAD_INPUT', `"${change.only}" is not an environment name`);
    await writeFile(dockerfileName, dockerfile.replace('FAIL_HEALTH=0', `FAIL_HEALTH=0 FAIL_PRICES_IN=${change.only}`));
    return `Break ${name}: serve no prices in ${change.only}`;
  }
  if (change.only) {
    if (!/^[a-z0-9][a-z0-9-]*$/.test(change.only)) throw new LockstepError('BAD_INPUT', `"${change.only}" is not an environment name`);
    await writeFile(dockerfileName, dockerfile.replace('FAIL_HEALTH=0', `FAIL_HEALTH=0 FAIL_HEALTH_IN=${change.only}`));
    return `Break ${name}: fail its health check in ${change.only}`;
  }
  await writeFile(dockerfileName, dockerfile.replace('FAIL_HEALTH=0', 'FAIL_HEALTH=1'));
  return `Break ${name}: fail its health check`;
}

function nextPatch(version: string): string {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version.trim());
  if (!match) throw new LockstepError('BAD_INPUT', `cannot bump version "${version}"`);
  return `${match[1]}.${match[2]}.${Number(match[3]) + 1}`;
}

/**
 * Removes the local tags the sandbox gave its images on the sandbox registry (`<registry>/...:<tag>`
 * and `@<digest>`), which point nowhere once that registry is gone. The images stay, under their
 * `lockstep-sandbox/<service>:<tag>` tags, so later sandboxes build from cache.
 */
export async function removeSandboxTags(system: ExampleSystem): Promise<void> {
  await untag([...new Set(system.builds.flatMap((build) => [`${build.image}:${build.tag}`, `${build.image}@${build.digest}`]))]);
}

/**
 * A sealed lock of what the orchestrator pins at `ref` (default dev): each submodule commit with the
 * image built from it. The same content `lockstep lock generate` derives from the orchestrator and the
 * registry, kept here so tests of other stages need nothing else.
 */
export async function sandboxLock(system: ExampleSystem, options: { ref?: string; createdAt?: string } = {}): Promise<ReleaseLock> {
  const ref = options.ref ?? 'refs/heads/dev';
  const commit = (await git(system.repoDir, ['rev-parse', '--verify', `${ref}^{commit}`])).stdout.trim();
  const names = Object.keys(system.services).sort();
  const gitlinks = await readGitlinks(system.repoDir, commit, names.map((name) => system.config.services[name]!.path));
  const services: Record<string, LockedService> = {};
  for (const name of names) {
    const pinned = gitlinks.get(system.config.services[name]!.path);
    const build = system.builds.findLast((entry) => entry.name === name && entry.commit === pinned?.commit);
    if (!build) throw new LockstepError('NOT_FOUND', `${ref} pins ${name} at ${pinned?.commit ?? 'nothing'}, for which the sandbox built no image`);
    services[name] = {
      commit: build.commit,
      image: build.image,
      tag: build.tag,
      digest: build.digest,
      builtAt: build.builtAt,
      ...(build.version ? { version: build.version } : {}),
    };
  }
  return sealLock({
    apiVersion: 'lockstep/v1',
    kind: 'ReleaseLock',
    createdAt: options.createdAt ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    source: { repository: system.config.repository ?? 'lockstep/example-shop', ref, commit },
    services,
  });
}

export async function writeSandboxLock(system: ExampleSystem, file: string, options: { ref?: string; createdAt?: string } = {}): Promise<ReleaseLock> {
  const lock = await sandboxLock(system, options);
  await writeLock(file, lock);
  return lock;
}
