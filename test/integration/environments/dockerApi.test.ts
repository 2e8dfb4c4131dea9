// The Docker Engine API client of the compose target, against the real daemon: over its unix socket,
// and as a remote host reached through `docker system dial-stdio` (a tcp:// DOCKER_HOST served by a
// plain TCP proxy in front of the socket, which is what a daemon listening on tcp looks like).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { healthConfig, type ComposeTargetConfig } from '../../../src/config/environments.js';
import { DockerApi } from '../../../src/docker/api.js';
import { containerIds } from '../../../src/docker/containers.js';
import { watchProjectEvents } from '../../../src/docker/events.js';
import { resolveDockerHost } from '../../../src/docker/host.js';
import { ComposeTarget } from '../../../src/environments/targets/compose/composeTarget.js';
import { docker, dockerUnavailableReason, testImages } from '../../../support/docker.js';

const skip = await dockerUnavailableReason();
const socket = '/var/run/docker.sock';

describe('the Docker API client (real daemon)', { skip: skip ? `docker is not available: ${skip}` : false }, () => {
  let proxy: Server;
  const sockets = new Set<Socket>();
  let tcpHost = '';
  const project = `lsapi-${randomBytes(3).toString('hex')}`;

  before(async () => {
    proxy = createServer((client) => {
      const daemon = connect({ path: socket });
      for (const [one, other] of [[client, daemon], [daemon, client]] as const) {
        sockets.add(one);
        one.on('close', () => {
          sockets.delete(one);
          other.destroy();
        });
        one.on('error', () => other.destroy());
      }
      client.pipe(daemon).pipe(client);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    tcpHost = `tcp://127.0.0.1:${(proxy.address() as { port: number }).port}`;
  });

  after(async () => {
    // Every marker of this file's projects (`<project>-u`, `-d`, `-stale`) starts with the project name.
    const ids = (await docker(['ps', '--all', '--quiet', '--filter', `name=^${project}`])).split('\n').filter(Boolean);
    if (ids.length > 0) await docker(['rm', '--force', ...ids]);
    for (const open of sockets) open.destroy();
    await new Promise((resolve) => proxy.close(resolve));
  });

  for (const transport of ['unix socket', 'docker system dial-stdio'] as const) {
    it(`creates, finds, inspects and removes containers over the ${transport}`, async () => {
      const host = transport === 'unix socket' ? resolveDockerHost(`unix://${socket}`, {}) : resolveDockerHost(tcpHost, {});
      const api = new DockerApi(host);
      assert.equal(api.transport, transport);
      const info = await api.json<{ ServerVersion: string }>('/info');
      assert.match(info.value!.ServerVersion, /^\d+\.\d+/);

      // The lease is the real user of create/conflict/remove: a second acquire by another holder is refused.
      const target = new ComposeTarget({
        config: { type: 'compose', project: `${project}-${transport === 'unix socket' ? 'u' : 'd'}`, env: {}, healthTimeoutMs: 5000, settleMs: 0, dockerHost: host.url } as ComposeTargetConfig,
        health: healthConfig.parse({}),
        files: [],
        projectDirectory: '/',
        workDir: '/nonexistent',
        env: {},
      });
      const now = new Date();
      const first = await target.acquireLease('holder-a', 60_000, now);
      assert.equal(first.acquired, true);
      const second = await target.acquireLease('holder-b', 60_000, now);
      assert.deepEqual(second.acquired ? null : second.heldBy.holder, 'holder-a');
      const marker = await containerIds(api, `io.lockstep.lease.project=${project}-${transport === 'unix socket' ? 'u' : 'd'}`);
      assert.equal(marker.length, 1);
      await target.releaseLease('holder-a');
      assert.deepEqual(await containerIds(api, `io.lockstep.lease.project=${project}-${transport === 'unix socket' ? 'u' : 'd'}`), []);
      const missing = await api.json(`/containers/${randomBytes(8).toString('hex')}/json`, { ok: [200, 404] });
      assert.equal(missing.status, 404);
    });
  }

  for (const transport of ['unix socket', 'docker system dial-stdio'] as const) {
    it(`streams the container events of one compose project over the ${transport}, and no other project's`, async () => {
      const api = new DockerApi(resolveDockerHost(transport === 'unix socket' ? `unix://${socket}` : tcpHost, {}));
      const watched = `${project}-events-${transport === 'unix socket' ? 'u' : 'd'}`;
      let seen = 0;
      let seenByOther = 0;
      const unwatch = watchProjectEvents(api, watched, () => (seen += 1));
      const unwatchOther = watchProjectEvents(api, `${watched}-other`, () => (seenByOther += 1));
      try {
        // The container starts and exits a second later: even if the stream opened after the start, the exit is seen.
        await docker(['run', '--detach', '--name', `${watched}-1`, '--label', `com.docker.compose.project=${watched}`, testImages().base, 'sleep', '1']);
        for (const deadline = Date.now() + 20_000; seen === 0 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 50));
        assert.ok(seen > 0, 'the start or the exit of the project container was streamed');
        assert.equal(seenByOther, 0);
      } finally {
        unwatch();
        unwatchOther();
      }
    });
  }

  it('takes over a lease left behind by a killed run once it expired, and says whose it was', async () => {
    const make = () =>
      new ComposeTarget({
        config: { type: 'compose', project: `${project}-stale`, env: {}, healthTimeoutMs: 5000, settleMs: 0, dockerHost: `unix://${socket}` } as ComposeTargetConfig,
        health: healthConfig.parse({}),
        files: [],
        projectDirectory: '/',
        workDir: '/nonexistent',
        env: {},
      });
    const killed = make();
    const then = new Date(Date.now() - 120_000);
    assert.equal((await killed.acquireLease('killed-run', 60_000, then)).acquired, true);
    // A second process (another target object) arrives after the lease expired.
    const next = await make().acquireLease('next-run', 60_000, new Date());
    assert.ok(next.acquired);
    assert.equal(next.tookOverStale?.holder, 'killed-run');
    assert.equal(next.tookOverStale?.expiresAt, new Date(then.getTime() + 60_000).toISOString());
    // The killed run's late release must not free the lease the next run now holds.
    await killed.releaseLease('killed-run');
    const third = await make().acquireLease('third-run', 60_000, new Date());
    assert.deepEqual(third.acquired ? null : third.heldBy.holder, 'next-run');
  });

  it('measures disk and memory only when the daemon is local, and says why otherwise', async () => {
    const health = healthConfig.parse({ disk: { minFreeMb: 1 }, memory: { minAvailableMb: 1 } });
    const make = (dockerHost: string) =>
      new ComposeTarget({ config: { type: 'compose', project, env: {}, healthTimeoutMs: 5000, settleMs: 0, dockerHost } as ComposeTargetConfig, health, files: [], projectDirectory: '/', workDir: '/nonexistent', env: {} });
    const local = await make(`unix://${socket}`).healthChecks();
    assert.deepEqual(local.map((check) => [check.name, check.ok]), [['docker API', true], ['disk', true], ['memory', true]]);
    const remote = await make(tcpHost).healthChecks();
    assert.deepEqual(remote.map((check) => [check.name, check.ok]), [['docker API', true], ['disk', false], ['memory', false]]);
    assert.match(remote[0]!.detail, /via docker system dial-stdio/);
    assert.match(remote[1]!.detail, new RegExp(`cannot be measured on ${tcpHost.replace(/[.:/]/g, '\\$&')}`));
    const down = await make('tcp://127.0.0.1:1').healthChecks();
    assert.equal(down[0]!.ok, false);
    assert.match(down[0]!.detail, /^tcp:\/\/127\.0\.0\.1:1 does not answer/);
  });
});
