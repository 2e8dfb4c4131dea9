// Container state for the health wait, read through the docker engine API and parsed from the docker
// CLI's inspect output for the same real containers: both must agree, field for field.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DockerApi } from '../../../src/docker/api.js';
import { labelledContainers, toContainer } from '../../../src/docker/containers.js';
import { resolveDockerHost } from '../../../src/docker/host.js';
import { docker, dockerUnavailableReason, testImages } from '../../../support/docker.js';

const label = 'dev.lockstep.test.containers';
const value = `run-${process.pid}`;
const why = await dockerUnavailableReason();
const api = new DockerApi(resolveDockerHost(undefined));

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
    const viaApi = await labelledContainers(api, `${label}=${value}`);
    const ids = (await docker(['container', 'ls', '--all', '--quiet', '--no-trunc', '--filter', `label=${label}=${value}`])).split('\n').filter(Boolean);
    const viaCli = (JSON.parse(await docker(['container', 'inspect', ...ids])) as unknown[]).map(toContainer);
    // The health log grows every second between the two reads; everything else must agree.
    const byName = (states: typeof viaApi) => Object.fromEntries(states.map((state) => [state.name, { ...state, probes: [] }]));
    assert.deepEqual(byName(viaApi), byName(viaCli));
    assert.ok(viaApi.some((state) => state.probes.length > 0), 'the health log is read');
    const states = byName(viaApi);
    assert.deepEqual(Object.keys(states).sort(), [`${value}-exited`, `${value}-healthy`, `${value}-plain`]);
    assert.equal(states[`${value}-healthy`]!.health, 'healthy');
    assert.match(states[`${value}-healthy`]!.published['8080/tcp']?.[0] ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(states[`${value}-plain`]!.health, null);
    assert.deepEqual([states[`${value}-exited`]!.status, states[`${value}-exited`]!.exitCode], ['exited', 3]);
  });

  it('finds nothing for a label no container has', async () => {
    assert.deepEqual(await labelledContainers(api, `${label}=${value}-none`), []);
  });
});
