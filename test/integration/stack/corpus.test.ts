// `lockstep stack up` on real compose files of the corpus (test/fixtures/compose-corpus): netbox-docker
// (env_file, bind mounts), paperless-ngx (env_file, bind mounts, named volumes) and docker's voting
// app (custom networks, bind mounts). No registry of the internet is reachable, so each file is derived
// into a test compose that swaps every service's image for one stand-in built locally from
// LOCKSTEP_NODE_IMAGE (a small HTTP server) and drops published host ports (other runs share the
// daemon); bind mounts, networks, env_file, environment, depends_on and volumes stay as written.
// The stand-in is pushed to a real registry container so the lock pins real digests.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { loadComposeGraph } from '../../../src/compose/loadGraph.js';
import { serializeLock } from '../../../src/lock/serialize.js';
import { runCli } from '../../support/cli.js';
import { docker, composeUnavailableReason, projectResources, removeProjectResources, testImages } from '../../../support/docker.js';
import { dockerBuild, dockerPush } from '../../support/dockerBuild.js';
import { makeLock, service } from '../../support/lockFixtures.js';
import { startRegistry, type StartedRegistry } from '../../../support/registry.js';

const corpus = fileURLToPath(new URL('../../fixtures/compose-corpus/', import.meta.url));
const run = `${process.pid}-${randomBytes(3).toString('hex')}`;

interface Sample {
  name: string;
  /** A suite `stack test` runs against the stack (file name -> test source), if any. */
  suite?: Record<string, string>;
  /** The sample's folder in the corpus, copied whole (compose file, .env, env files). */
  folder: string;
  composeFile: string;
  /** What must hold in the running stack, beyond every service being healthy. */
  check: (project: string) => Promise<void>;
}

const samples: Sample[] = [
  {
    name: 'netbox-docker',
    folder: 'netbox-docker',
    composeFile: 'docker-compose.yml',
    check: async (project) => {
      // env/netbox.env reaches the container through env_file; ./configuration is bind-mounted.
      assert.equal(await exec(project, 'netbox', 'process.stdout.write(process.env.DB_HOST ?? "")'), 'postgres');
      assert.equal(await exec(project, 'netbox', 'process.stdout.write(require("fs").readFileSync("/etc/netbox/config/lockstep-marker.txt","utf8"))'), 'configuration');
    },
  },
  {
    name: 'paperless-ngx',
    folder: 'paperless-ngx/docker/compose',
    composeFile: 'docker-compose.postgres.yml',
    check: async (project) => {
      assert.match(await exec(project, 'webserver', 'process.stdout.write(process.env.PAPERLESS_REDIS ?? "")'), /^redis:\/\/broker:6379/);
      assert.equal(await exec(project, 'webserver', 'process.stdout.write(require("fs").readFileSync("/usr/src/paperless/export/lockstep-marker.txt","utf8"))'), 'export');
    },
  },
  {
    name: 'example-voting-app',
    folder: 'example-voting-app',
    // Only custom networks (front-tier, back-tier): the suite must still reach the services.
    suite: {
      'reach.test.mjs': [
        "import assert from 'node:assert/strict';",
        "import { it } from 'node:test';",
        "for (const name of ['vote', 'worker', 'redis', 'db']) {",
        '  it(`reaches ${name} by name`, async () => assert.equal((await fetch(`http://${name}:8080`)).status, 200));',
        '}',
        '',
      ].join('\n'),
    },
    composeFile: 'docker-compose.yml',
    check: async (project) => {
      const networks = JSON.parse(await docker(['inspect', '--format', '{{json .NetworkSettings.Networks}}', await containerOf(project, 'vote')])) as Record<string, unknown>;
      assert.deepEqual(Object.keys(networks).sort(), [`${project}_back-tier`, `${project}_front-tier`]);
      // The worker reaches redis by name over back-tier, as the real app does.
      assert.equal(await exec(project, 'worker', 'fetch("http://redis:8080").then(r => process.stdout.write(String(r.status)))'), '200');
    },
  },
];

const standinServer = [
  "import { createServer } from 'node:http';",
  "createServer((request, response) => response.end(process.env.HOSTNAME ?? 'standin')).listen(8080);",
  '',
].join('\n');

async function containerOf(project: string, service: string): Promise<string> {
  const id = await docker(['ps', '--quiet', '--filter', `label=com.docker.compose.project=${project}`, '--filter', `label=com.docker.compose.service=${service}`]);
  assert.ok(id, `${service} has a running container`);
  return id.split('\n')[0]!;
}

async function exec(project: string, service: string, script: string): Promise<string> {
  return docker(['exec', await containerOf(project, service), 'node', '-e', script]);
}

/**
 * The test compose: the original with every service running the stand-in image (pinned by the lock),
 * its health checked over HTTP, host ports and fixed container names dropped, and a marker file in
 * every bind-mounted folder so the test can see the mount from inside.
 */
async function deriveCompose(dir: string, sample: Sample, imageOf: (service: string) => string): Promise<string[]> {
  const file = join(dir, sample.composeFile);
  const doc = parse(await readFile(file, 'utf8'), { merge: true, maxAliasCount: -1 }) as { services: Record<string, Record<string, unknown>> };
  for (const [name, definition] of Object.entries(doc.services)) {
    for (const key of ['build', 'command', 'ports', 'container_name', 'user', 'healthcheck']) delete definition[key];
    definition.image = imageOf(name);
    definition.entrypoint = ['node', '/standin/server.mjs'];
    definition.healthcheck = {
      test: ['CMD', 'node', '-e', "fetch('http://127.0.0.1:8080').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"],
      interval: '1s',
      timeout: '5s',
      retries: 60,
    };
  }
  // YAML 1.1 output quotes no/yes/on/off, which compose v1 (PyYAML) would otherwise read as booleans.
  await writeFile(file, stringify(doc, { version: '1.1' }));
  const graph = await loadComposeGraph(file, {});
  for (const mount of Object.values(graph.services).flatMap((entry) => entry.volumes)) {
    if (mount.type !== 'bind' || mount.source === null) continue;
    const source = join(dir, mount.source);
    if (await stat(source).catch(() => null)) continue;
    await mkdir(source, { recursive: true });
    await writeFile(join(source, 'lockstep-marker.txt'), mount.source.split('/').pop()!);
  }
  return Object.keys(graph.services);
}

const why = await composeUnavailableReason();

describe('lockstep stack up on real compose files of the corpus', { skip: why ?? false }, () => {
  let registry: StartedRegistry;
  let root: string;
  let standin: string;
  const projects: string[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'lockstep-corpus-'));
    registry = await startRegistry();
    const context = join(root, 'standin');
    await mkdir(context);
    await writeFile(join(context, 'server.mjs'), standinServer);
    await writeFile(join(context, 'Dockerfile'), `FROM ${testImages().node}\nCOPY server.mjs /standin/server.mjs\n`);
    standin = `lockstep-corpus-standin:${run}`;
    await dockerBuild(context, { tag: standin });
  });

  after(async () => {
    for (const project of projects) await removeProjectResources(project).catch(() => {});
    await docker(['image', 'rm', '--force', standin]).catch(() => {});
    await registry?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  for (const sample of samples) {
    it(`starts ${sample.name} healthy with its bind mounts, networks and env files, and tears it down`, async () => {
      const dir = join(root, sample.name, sample.folder);
      await mkdir(dirname(dir), { recursive: true });
      await cp(join(corpus, sample.folder), dir, { recursive: true });
      const repository = (name: string) => `${registry.host}/corpus-${sample.name}/${name.toLowerCase()}`;
      const names = await deriveCompose(dir, sample, (name) => `${repository(name)}:test`);
      const locked: Record<string, ReturnType<typeof service>> = {};
      for (const name of names) {
        await docker(['tag', standin, `${repository(name)}:test`]);
        const digest = await dockerPush(`${repository(name)}:test`);
        locked[name] = service(name, { image: repository(name), tag: 'test', digest });
      }
      const configFile = join(dir, 'lockstep.config.yaml');
      const suites = [];
      if (sample.suite) {
        await mkdir(join(dir, 'suite'));
        for (const [file, text] of Object.entries(sample.suite)) await writeFile(join(dir, 'suite', file), text);
        suites.push({ name: 'reach', image: testImages().node, directory: 'suite', command: ['node', '--test-reporter=tap', ...Object.keys(sample.suite)], timeout: '2m' });
      }
      await writeFile(
        configFile,
        stringify({
          apiVersion: 'lockstep/v1',
          kind: 'Config',
          services: { [names[0]!]: { path: names[0], image: repository(names[0]!) } },
          stack: { composeFile: sample.composeFile, suites },
        }),
      );
      const lockFile = join(dir, 'release.lock.yaml');
      await writeFile(lockFile, serializeLock(makeLock(locked)));
      const project = `lscorpus-${sample.name}-${run}`;
      projects.push(project);

      const up = await runCli(['--json', '-c', configFile, 'stack', 'up', '--lock', lockFile, '--project', project, '--timeout', '4m'], { cwd: dir });
      assert.equal(up.code, 0, up.stderr);
      const result = JSON.parse(up.stdout) as { services: Array<{ service: string; state: string; image: string }> };
      assert.deepEqual(result.services.map((entry) => entry.service).sort(), [...names].sort());
      for (const entry of result.services) {
        assert.equal(entry.state, 'healthy', `${entry.service} is healthy`);
        assert.equal(entry.image, `${locked[entry.service]!.image}@${locked[entry.service]!.digest}`, `${entry.service} runs the locked digest`);
      }
      await sample.check(project);
      if (sample.suite) {
        const tested = await runCli(['-c', configFile, 'stack', 'test', '--project', project, '--report', join(dir, 'report')], { cwd: dir });
        assert.equal(tested.code, 0, `${tested.stdout}\n${tested.stderr}`);
        assert.match(await readFile(join(dir, 'report', 'reach.xml'), 'utf8'), /<testsuite name="reach" tests="4" failures="0"/);
      }

      const down = await runCli(['-c', configFile, 'stack', 'down', '--project', project], { cwd: dir });
      assert.equal(down.code, 0, down.stderr);
      assert.deepEqual(await projectResources(project), { containers: [], networks: [], volumes: [] });
    });
  }
});
