// The misreadings of issue 15, each as a small compose project on disk: lockstep must read the file
// compose would see (the compose specification is the reference).
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseComposeGraph } from '../../../src/compose/graph.js';
import { loadComposeGraph } from '../../../src/compose/loadGraph.js';
import { InputError } from '../../../src/errors.js';

let root: string;
let counter = 0;

/** Writes the files of one project into a fresh folder and returns that folder. */
async function project(files: Record<string, string>): Promise<string> {
  const dir = join(root, `p${counter++}`);
  for (const [name, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

function refusal(message: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof InputError, `expected an InputError, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  };
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lockstep-compose-'));
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('compose files read as compose reads them', () => {
  it('resolves YAML merge keys, explicit keys winning and the first merged mapping before later ones', () => {
    const graph = parseComposeGraph(
      'compose.yaml',
      [
        'x-base: &base',
        '  image: shop/base:1',
        '  restart: always',
        '  environment: {A: base}',
        'x-more: &more',
        '  restart: "no"',
        '  working_dir: /more',
        'services:',
        '  api:',
        '    <<: [*base, *more]',
        '    environment: {A: api}',
      ].join('\n'),
      {},
    );
    const api = graph.services.api!;
    assert.equal(api.image, 'shop/base:1');
    assert.equal(api.restart, 'always');
    assert.equal(api.workingDir, '/more');
    assert.equal(api.environment.A, 'api');
  });

  it('refuses an alias bomb with the same node bound compose uses', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let level = 1; level < 8; level += 1) lines.push(`${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(10).fill(`*${String.fromCharCode(96 + level)}`).join(',')}]`);
    lines.push('services:\n  a: {image: x}');
    assert.throws(() => parseComposeGraph('compose.yaml', lines.join('\n'), {}), refusal(/aliases expand to more than 100000 nodes/));
  });

  it('keeps a lone $ and converts interpolated numbers and booleans the way compose does', () => {
    const graph = parseComposeGraph(
      'compose.yaml',
      [
        'services:',
        '  api:',
        '    image: ${IMAGE:-shop/api:1}',
        '    environment: {PRICE: "5$", PASSWORD: "pa$ word", HOME_DIR: "$$HOME"}',
        '    healthcheck: {test: [CMD, "true"], retries: $RETRIES, disable: $DISABLED}',
        '    volumes: [{type: volume, source: data, target: /data, read_only: "$RO"}]',
        'volumes:',
        '  data: {external: $EXTERNAL}',
      ].join('\n'),
      { RETRIES: '7', DISABLED: 'false', RO: 'yes', EXTERNAL: 'true' },
    );
    const api = graph.services.api!;
    assert.equal(api.image, 'shop/api:1');
    assert.deepEqual({ ...api.environment }, { HOME_DIR: '$HOME', PASSWORD: 'pa$ word', PRICE: '5$' });
    assert.equal(api.healthcheck!.retries, 7);
    assert.equal(api.healthcheck!.disabled, false);
    assert.equal(api.volumes[0]!.readOnly, true);
    assert.equal(graph.volumes.data!.external, true);
    assert.throws(() => parseComposeGraph('compose.yaml', 'services:\n  api:\n    image: ${IMAGE:?set IMAGE}\n', {}), refusal(/services\.api\.image: required variable IMAGE is not set: set IMAGE/));
  });

  it('refuses an image whose tag interpolates to empty', () => {
    assert.throws(() => parseComposeGraph('compose.yaml', 'services:\n  api:\n    image: shop/api:${TAG}\n', {}), refusal(/services\.api\.image: "shop\/api:" has an empty tag/));
    assert.throws(() => parseComposeGraph('compose.yaml', 'services:\n  api:\n    image: ${IMAGE}\n', {}), refusal(/services\.api\.image: resolves to an empty image name/));
  });

  it('treats services named constructor, __proto__, with capitals or "_" as ordinary names', () => {
    const graph = parseComposeGraph(
      'compose.yaml',
      'services:\n  constructor: {image: x}\n  __proto__: {image: y, depends_on: [constructor]}\n  Web_App: {image: z, depends_on: [__proto__]}\n',
      {},
    );
    assert.deepEqual(Object.keys(graph.services), ['Web_App', '__proto__', 'constructor']);
    assert.deepEqual(graph.startOrder, ['constructor', '__proto__', 'Web_App']);
    assert.equal(graph.services.__proto__!.image, 'y');
    assert.throws(() => parseComposeGraph('compose.yaml', 'services:\n  a: {image: x, depends_on: [constructor]}\n', {}), refusal(/no service named "constructor"/));
  });

  it('reads the .env beside the compose file, the shell winning over it, and --env-file replacing it', async () => {
    const dir = await project({
      'compose.yaml': 'services:\n  api:\n    image: shop/api:${TAG}\n    environment: {MODE: $MODE}\n',
      '.env': '# defaults\nTAG=1.2\nMODE="from dotenv"\n',
      'ci.env': 'export TAG=ci\nMODE=ci\n',
    });
    const fromDotenv = await loadComposeGraph(join(dir, 'compose.yaml'), {});
    assert.equal(fromDotenv.services.api!.image, 'shop/api:1.2');
    assert.equal(fromDotenv.services.api!.environment.MODE, 'from dotenv');
    assert.equal((await loadComposeGraph(join(dir, 'compose.yaml'), { MODE: 'shell' })).services.api!.environment.MODE, 'shell');
    assert.equal((await loadComposeGraph(join(dir, 'compose.yaml'), {}, { envFile: join(dir, 'ci.env') })).services.api!.image, 'shop/api:ci');
  });

  it('folds env_file into the environment, environment winning, and refuses a missing required one', async () => {
    const dir = await project({
      'compose.yaml': 'services:\n  api:\n    image: x\n    env_file: [common.env, {path: optional.env, required: false}]\n    environment: {B: own}\n',
      'common.env': "A=1\nB=from-file\nC='lit$eral'\n",
    });
    assert.deepEqual({ ...(await loadComposeGraph(join(dir, 'compose.yaml'), {})).services.api!.environment }, { A: '1', B: 'own', C: 'lit$eral' });
    const missing = await project({ 'compose.yaml': 'services:\n  api:\n    image: x\n    env_file: absent.env\n' });
    await assert.rejects(loadComposeGraph(join(missing, 'compose.yaml'), {}), refusal(/services\.api\.env_file: .*absent\.env does not exist/));
  });

  it('applies extends from the same file and from another, and include with its own folder', async () => {
    const dir = await project({
      'compose.yaml': [
        'include: [db/compose.yaml]',
        'services:',
        '  base: {image: shop/base:1, environment: {A: base}}',
        '  api:',
        '    extends: base',
        '    environment: {B: api}',
        '    depends_on: [db]',
        '  worker:',
        '    extends: {file: common/worker.yaml, service: worker}',
      ].join('\n'),
      'common/worker.yaml': 'services:\n  worker:\n    build: ./src\n    command: work\n',
      'db/compose.yaml': 'services:\n  db:\n    image: postgres:${PG}\n',
      'db/.env': 'PG=16\n',
    });
    const graph = await loadComposeGraph(join(dir, 'compose.yaml'), {});
    assert.deepEqual({ ...graph.services.api!.environment }, { A: 'base', B: 'api' });
    assert.equal(graph.services.api!.image, 'shop/base:1');
    assert.equal(graph.services.worker!.build!.context, 'common/src', 'a build context is relative to the file that names it');
    assert.equal(graph.services.db!.image, 'postgres:16', 'an included file reads the .env of its own folder');
    assert.deepEqual(graph.startOrder, ['base', 'db', 'worker', 'api']);
  });

  it('leaves out services of inactive profiles and refuses a dependency on one', async () => {
    const dir = await project({ 'compose.yaml': 'services:\n  api: {image: x}\n  debug: {image: y, profiles: [debug]}\n' });
    assert.deepEqual(Object.keys((await loadComposeGraph(join(dir, 'compose.yaml'), {})).services), ['api']);
    assert.deepEqual(Object.keys((await loadComposeGraph(join(dir, 'compose.yaml'), { COMPOSE_PROFILES: 'debug' })).services), ['api', 'debug']);
    const needs = await project({ 'compose.yaml': 'services:\n  api: {image: x, depends_on: [debug]}\n  debug: {image: y, profiles: [debug]}\n' });
    await assert.rejects(loadComposeGraph(join(needs, 'compose.yaml'), {}), refusal(/"debug" is only in profile debug, which is not active: set COMPOSE_PROFILES/));
  });

  it('merges several -f files, with !reset removing and !override replacing what earlier files set', async () => {
    const dir = await project({
      'compose.yaml': 'services:\n  api:\n    image: x\n    ports: ["8080:80"]\n    environment: {A: "1", B: "2"}\n    healthcheck: {test: [CMD, "true"]}\n',
      'compose.ci.yaml': 'services:\n  api:\n    image: y\n    ports: !override ["9090:90"]\n    environment: {B: "3"}\n    healthcheck: !reset null\n',
    });
    const api = (await loadComposeGraph(join(dir, 'compose.yaml'), {}, { overrides: [join(dir, 'compose.ci.yaml')] })).services.api!;
    assert.equal(api.image, 'y');
    assert.deepEqual(api.ports, [{ target: 90, published: 9090, hostIp: null, protocol: 'tcp' }]);
    assert.deepEqual({ ...api.environment }, { A: '1', B: '3' });
    assert.equal(api.healthcheck, null, '!reset null removes the key, it is not the string "null"');
  });
});
