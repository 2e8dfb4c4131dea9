// Container state for the health wait, read through the docker engine API and through the docker CLI
// from the same real containers: both paths must agree, field for field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { engineEndpoint } from '../../../src/compose/engineApi.js';
import { inspectProjectContainers } from '../../../src/compose/containers.js';
import { docker, dockerUnavailableReason, testImages } from '../../support/docker.js';

const label = 'dev.lockstep.test.containers';
const value = `run-${process.pid}`;
const why = (await dockerUnavailableReason()) ?? (engineEndpoint() === null ? 'the docker CLI is configured for a context or remote daemon' : undefined);

describe('container state through the engine API and the CLI', { skip: why ? `docker engine API not usable here: ${why}` : false }, () => {
  before(async () => {
    const image = testImages().node;
    // One healthy, one without healthcheck, one that exited with code 3.
    await docker(['run', '-d', '--label', `${label}=${value}`, '--name', `${value}-healthy`, '--health-cmd', 'true', '--health-interval', '1s',
      '-p', '127.0.0.1::8080', image, 'node', '-e', 'setTimeout(() => {}, 120000)']);
    await docker(['run', '-d', '--label', `${label}=${value}`, '--name', `${value}-plain`, image, 'node', '-e', 'setTimeout(() => {}, 120000)']);
    await docker(['run', '--label', `${label}=${value}`, '--name', `${value}-exited`, image, 'node', '-e', 'process.exit(3)']).catch(() => {});
    for (let i = 0; i < 60; i += 1) {
      if ((await docker(['inspect', '-f', '{{.State.Health.Status}}', `${value}-healthy`])) === 'healthy') break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });

  after(async () => {
    await docker(['rm', '-f', `${value}-healthy`, `${value}-plain`, `${value}-exited`]).catch(() => {});
  });

  it('reads the same states both ways', async () => {
    const viaApi = await inspectProjectContainers(label, value);
    const viaCli = await inspectProjectContainers(label, value, {}, null);
    const byName = (states: typeof viaApi) => Object.fromEntries(states.map((state) => [state.name, state]));
    assert.deepEqual(byName(viaApi), byName(viaCli));
    const states = byName(viaApi);
    assert.deepEqual(Object.keys(states).sort(), [`${value}-exited`, `${value}-healthy`, `${value}-plain`]);
    assert.equal(states[`${value}-healthy`]!.health, 'healthy');
    assert.match(states[`${value}-healthy`]!.published['8080/tcp']?.[0] ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(states[`${value}-plain`]!.health, null);
    assert.deepEqual([states[`${value}-exited`]!.status, states[`${value}-exited`]!.exitCode], ['exited', 3]);
  });

  it('finds nothing for a label no container has', async () => {
    assert.deepEqual(await inspectProjectContainers(label, `${value}-none`), []);
  });
});
