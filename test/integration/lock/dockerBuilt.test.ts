// One image really built by docker (legacy builder) and pushed by the docker CLI, then locked.
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ReleaseLock } from '../../../src/lock/schema.js';
import { docker, dockerUnavailableReason } from '../../../support/docker.js';
import { dockerBuild, dockerPush } from '../../support/dockerBuild.js';
import { startRegistry, type StartedRegistry } from '../../../support/registry.js';
import { cleanAuthEnv, orchestratorRepo, removeTempDirs, runCli, serviceRepo, tempDir, writeConfig } from './fixtures.js';

const unavailable = await dockerUnavailableReason();

describe('lock generate on an image built and pushed by docker', { skip: unavailable ? `docker unavailable: ${unavailable}` : false }, () => {
  let registry: StartedRegistry;
  let ref: string | undefined;

  before(async () => {
    registry = await startRegistry();
  });

  after(async () => {
    if (ref) await docker(['image', 'rm', '--force', ref]).catch(() => undefined);
    await registry?.stop();
    await removeTempDirs();
  });

  it('locks the digest docker push reported and the Created time docker recorded', async () => {
    const root = await tempDir('lock-docker');
    const catalog = await serviceRepo(root, 'catalog');
    const orchestrator = await orchestratorRepo(root, { catalog: catalog.dir });
    const context = join(root, 'context');
    await mkdir(context);
    // FROM scratch: a real build and push that needs no base image and moves a few bytes, not megabytes.
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /\nARG REVISION\nLABEL org.opencontainers.image.revision=${REVISION}\n');
    await writeFile(join(context, 'hello.txt'), 'catalog\n');
    ref = `${registry.host}/acme/catalog:sha-${catalog.commit.slice(0, 7)}`;
    await dockerBuild(context, { tag: ref, buildArgs: { REVISION: catalog.commit }, labels: { 'org.opencontainers.image.version': '3.1.4' } });
    const pushedDigest = await dockerPush(ref);
    const created = await docker(['image', 'inspect', '--format', '{{.Created}}', ref]);

    const config = await writeConfig(root, { services: { catalog: { path: 'services/catalog', image: `${registry.host}/acme/catalog` } } });
    const result = await runCli(['-c', config, 'lock', 'generate', '--repo', orchestrator.dir, '--json'], { env: cleanAuthEnv(root) });
    assert.equal(result.code, 0, result.stderr);
    const entry = (JSON.parse(result.stdout) as ReleaseLock).services.catalog!;
    assert.equal(entry.digest, pushedDigest);
    assert.equal(entry.commit, catalog.commit);
    assert.equal(entry.version, '3.1.4');
    assert.ok(entry.builtAt !== null && Date.parse(entry.builtAt) === Date.parse(created), `${entry.builtAt} vs ${created}`);
  });
});
