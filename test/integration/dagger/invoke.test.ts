import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, validate } from 'graphql';
import { writeLock } from '../../../src/lock/write.js';
import type { RunReport } from '../../../src/report/runReport.js';
import { engineSchema, engineSchemaSource } from '../../doubles/dagger/schema.js';
import { runCli } from '../../support/cli.js';
import { makeLock, service } from '../../support/lockFixtures.js';
import { moduleHarness, type InvokeResult, type ModuleHarness } from './support/invokeModule.js';
import { root } from './support/runtimeCopy.js';

/**
 * Each function of the module called as the engine calls it: the SDK's own entrypoint, in a process
 * per call, with the pinned SDK's generated client sending real GraphQL queries to a local double of
 * the engine (test/doubles/dagger/engine.ts). The double validates every query against the engine's
 * schema for the pinned version (test/doubles/dagger/schema.ts) and really runs the runner's lockstep
 * execs with this checkout's CLI. So the test sees the queries, the exec each function produces,
 * whether the CLI accepts its flags, and what comes back; and it compares a pipeline run through the
 * module with the same `lockstep run` on a laptop.
 */

type Result = InvokeResult;

let harness: ModuleHarness;
let orchestrator: string;
let emptyDir: string;
const fixtureConfig = join(root, 'test', 'integration', 'dagger', 'fixtures', 'lockstep.config.yaml');

before(async () => {
  harness = await moduleHarness();
  orchestrator = await mkdtemp(join(tmpdir(), 'lockstep-invoke-'));
  emptyDir = await mkdtemp(join(tmpdir(), 'lockstep-invoke-empty-'));
  await cp(fixtureConfig, join(orchestrator, 'lockstep.config.yaml'));
  await writeLock(join(orchestrator, 'locks', 'current.lock.yaml'), makeLock({ cart: service('cart', { image: 'registry.example.com/lockstep-suite/cart' }) }));
  await writeLock(join(orchestrator, 'after.lock.yaml'), makeLock({ cart: service('cart', { image: 'registry.example.com/lockstep-suite/cart', digest: `sha256:${'c'.repeat(64)}` }) }));
});

after(async () => {
  if (harness) await harness.close();
  if (orchestrator) await rm(orchestrator, { recursive: true, force: true });
  if (emptyDir) await rm(emptyDir, { recursive: true, force: true });
});

async function invoke(calls: Array<{ fn: string; args?: Record<string, unknown> }>, secrets: Record<string, string> = {}): Promise<Result[]> {
  const constructor = { source: { directory: orchestrator }, cliSource: { directory: emptyDir }, config: 'lockstep.config.yaml', ...Object.fromEntries(Object.entries(secrets).map(([name, value]) => [name, { secret: value }])) };
  return harness.invoke(calls, constructor);
}

/** The lockstep command line of the last CLI exec, after the program and the global options. */
function command(result: Result): string[] {
  const exec = result.execs.filter((candidate) => candidate.ran).at(-1);
  assert.ok(exec, `${result.fn} ran the CLI: ${result.error}`);
  assert.deepEqual(exec.args.slice(0, 6), ['node', '/opt/lockstep/bin/lockstep.js', '--config', 'lockstep.config.yaml', '--result-file', '/lockstep/out/result.json'], result.fn);
  return exec.args.slice(6);
}

const parseFailure = /unknown option|unknown command|required option|too many arguments|missing required argument/;

describe('each function through the invoke path, against the engine double', () => {
  let results: Result[];
  const result = (fn: string) => results.find((candidate) => candidate.fn === fn)!;
  const file = (name: string) => ({ file: join(orchestrator, name) });

  before(async () => {
    results = await invoke([
      { fn: 'lockVerify' },
      { fn: 'lockDiff', args: { before: file('locks/current.lock.yaml'), after: file('after.lock.yaml'), format: 'json' } },
      { fn: 'lockGenerate' },
      { fn: 'health', args: { environment: 'nowhere' } },
      { fn: 'deploy', args: { environment: 'nowhere' } },
      { fn: 'endToEnd', args: { environment: 'nowhere' } },
      { fn: 'smoke', args: { environment: 'nowhere' } },
      { fn: 'release', args: { version: 'v0.0.1' } },
      { fn: 'prComment', args: { pullRequest: 7 } },
      { fn: 'prCommitLock', args: { branch: 'dev', pullRequest: 7 } },
      { fn: 'prOpenPromotion', args: { runUrl: 'https://ci.example.com/run/1' } },
      { fn: 'gateApprovals', args: { pullRequest: 7 } },
      { fn: 'releaseCommitArchive', args: { version: 'v0.0.1' } },
      { fn: 'releasePublish', args: { version: 'v0.0.1' } },
      { fn: 'releaseResolve', args: { commit: 'a'.repeat(40), pullRequest: 7, version: 'v2.0.0' } },
      { fn: 'committedLock' },
      { fn: 'digestOnly' },
    ]);
  });

  it('builds the runner first: the image tools, npm ci, the build', () => {
    const setup = result('lockVerify').execs.filter((exec) => !exec.ran).map((exec) => exec.args.slice(0, 2).join(' '));
    assert.deepEqual(setup, ['apk add', 'npm ci', 'npm run']);
  });

  it('runs the CLI command each stage function is named after, with flags the CLI accepts', () => {
    const expected: Record<string, string[]> = {
      lockVerify: ['lock', 'verify', 'locks/current.lock.yaml'],
      lockDiff: ['--json', 'lock', 'diff', '/lockstep/in/before.lock.yaml', '/lockstep/in/after.lock.yaml'],
      lockGenerate: ['lock', 'generate', '--out', '/lockstep/out/lock.yaml'],
      health: ['health', '--env', 'nowhere'],
      deploy: ['deploy', '--env', 'nowhere', '--lock', 'locks/current.lock.yaml'],
      endToEnd: ['end-to-end', '--env', 'nowhere', '--report-dir', '/lockstep/out/report'],
      smoke: ['smoke', '--env', 'nowhere', '--report-dir', '/lockstep/out/report'],
      release: ['release', 'archive', '--lock', 'locks/current.lock.yaml', '--version', 'v0.0.1'],
      prComment: ['pr', 'comment', '--pr', '7', '--lock', 'locks/current.lock.yaml'],
      prCommitLock: ['pr', 'commit-lock', '--branch', 'dev', '--lock', 'locks/current.lock.yaml', '--pr', '7'],
      prOpenPromotion: ['pr', 'open-promotion', '--lock', 'locks/current.lock.yaml', '--run-url', 'https://ci.example.com/run/1'],
      gateApprovals: ['gate', 'approvals', '--pr', '7', '--lock', 'locks/current.lock.yaml'],
      releasePublish: ['release', 'publish', '--version', 'v0.0.1', '--lock', 'locks/current.lock.yaml'],
      releaseResolve: ['--json', 'release', 'resolve', '--lock', 'locks/current.lock.yaml', '--commit', 'a'.repeat(40), '--pr', '7', '--version', 'v2.0.0', '--offline'],
      committedLock: ['lock', 'verify', 'locks/current.lock.yaml'],
      digestOnly: ['policy', 'digest-only'],
    };
    for (const [fn, args] of Object.entries(expected)) {
      assert.deepEqual(command(result(fn)), args, fn);
      assert.doesNotMatch(result(fn).error ?? '', parseFailure, `${fn}: the CLI parsed its command line`);
    }
  });

  it('returns what the CLI printed or wrote when a stage passes', async () => {
    assert.match(String(result('lockVerify').value), /integrity/);
    assert.deepEqual(JSON.parse(String(result('lockDiff').value)).summary, { added: 0, removed: 0, changed: 1, unchanged: 0 });
    const released = (result('release').value as { directory: string }).directory;
    assert.ok(released, result('release').error);
    assert.match(await readFile(join(released, 'locks', 'releases', 'v0.0.1.lock.yaml'), 'utf8'), /ReleaseLock/);
    assert.equal(result('committedLock').error, undefined);
    assert.equal(result('digestOnly').error, undefined);
  });

  it("fails a stage with the stage's own error code and exit status, from its result file", () => {
    assert.match(result('health').error ?? '', /^lockstep health --env nowhere failed \(BAD_INPUT, exit 2\): .*nowhere/);
    assert.match(result('deploy').error ?? '', /\(BAD_INPUT, exit 2\)/);
    assert.match(result('lockGenerate').error ?? '', /failed \((GIT|BAD_INPUT|NOT_FOUND), exit \d\)/);
  });

  it('hands every credential over as a secret variable or mounted secret only', async () => {
    const secrets = {
      githubToken: 'token-not-a-secret',
      awsAccessKeyId: 'AKIA-not-a-secret',
      awsSecretAccessKey: 'aws-secret-not-a-secret',
      awsSessionToken: 'aws-session-not-a-secret',
      argocdToken: 'argocd-not-a-secret',
      awsWebIdentityToken: 'oidc-not-a-secret',
    };
    const [withSecrets] = await invoke([{ fn: 'gateApprovals', args: { pullRequest: 7 } }], secrets);
    const exec = withSecrets!.execs.filter((candidate) => candidate.ran).at(-1)!;
    assert.deepEqual(exec.secretEnv.sort(), ['ARGOCD_AUTH_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'GITHUB_TOKEN']);
    assert.equal(exec.env.AWS_WEB_IDENTITY_TOKEN_FILE, '/lockstep/aws/web-identity-token');
    for (const value of Object.values(secrets)) {
      assert.ok(!Object.values(exec.env).includes(value), 'not a plain variable');
      assert.ok(!exec.args.includes(value), 'not a command-line word');
      // Nor in any query text but the one that loads the secret by its ID: values travel as IDs.
      assert.ok(!withSecrets!.session.queries.some((query) => query.includes(value)), 'not in a query');
    }
  });
});

describe('a pipeline through the module and through `lockstep run`', () => {
  it('runs one exec of `lockstep run <pipeline>` for every pipeline function', async () => {
    const results = await invoke([
      { fn: 'prCheck', args: { pullRequest: 7, branch: 'dev' } },
      { fn: 'hotfix', args: { services: ['cart'] } },
      { fn: 'promoteStaging' },
      { fn: 'promoteProduction', args: { version: 'v1.0.0', pullRequest: 3 } },
    ]);
    const runs = results.map((candidate) => command(candidate).slice(0, 4));
    assert.deepEqual(runs, [
      ['run', 'pr-check', '--report-dir', '/lockstep/out/report'],
      ['run', 'hotfix', '--report-dir', '/lockstep/out/report'],
      ['run', 'promote-staging', '--report-dir', '/lockstep/out/report'],
      ['run', 'promote-production', '--report-dir', '/lockstep/out/report'],
    ]);
    for (const candidate of results) {
      assert.equal(candidate.execs.filter((exec) => exec.ran).length, 1, `${candidate.fn}: one exec`);
      assert.ok((candidate.value as { directory?: string }).directory, `${candidate.fn} returns its report: ${candidate.error}`);
    }
    assert.deepEqual(command(results[0]!).slice(4), ['--pr', '7', '--branch', 'dev', '--current-lock', 'locks/current.lock.yaml']);
  });

  it('gives the same stages, the same run.json shape, the same codes and test counts (rollback)', async () => {
    const laptop = await mkdtemp(join(tmpdir(), 'lockstep-invoke-laptop-'));
    try {
      await cp(orchestrator, laptop, { recursive: true });
      await runCli(['--config', 'lockstep.config.yaml', 'run', 'rollback', '--env', 'nowhere', '--report-dir', 'report'], { cwd: laptop });
      const cliRun = JSON.parse(await readFile(join(laptop, 'report', 'run.json'), 'utf8')) as RunReport;
      const [viaModule] = await invoke([{ fn: 'rollback', args: { environment: 'nowhere' } }]);
      const reportDir = (viaModule!.value as { directory: string }).directory;
      const moduleRun = JSON.parse(await readFile(join(reportDir, 'run.json'), 'utf8')) as RunReport;
      const comparable = (run: RunReport, dir: string) => ({
        keys: Object.keys(run).sort(),
        pipeline: run.pipeline,
        status: run.status,
        // The rerun lines differ on purpose: the module's are `dagger call` lines (checked below).
        stages: run.stages.map((stage) => ({ ...stage, startedAt: '', durationMs: 0, rerun: '' })),
        tests: run.tests,
        artifacts: run.artifacts.map((artifact) => artifact.replaceAll(dir, 'report')),
      });
      assert.deepEqual(comparable(moduleRun, reportDir), comparable(cliRun, 'report'));
      assert.deepEqual(cliRun.stages.map((stage) => [stage.name, stage.status, stage.code ?? null]), [['rollback', 'failed', 'BAD_INPUT'], ['smoke', 'skipped', null]]);
      // What a person reruns: on a laptop the lockstep command, through the module the function's dagger call.
      assert.deepEqual(cliRun.stages.map((stage) => stage.rerun), ['lockstep --config lockstep.config.yaml rollback --env nowhere', 'lockstep --config lockstep.config.yaml smoke --env nowhere --report-dir report/nowhere/smoke']);
      assert.deepEqual(moduleRun.stages.map((stage) => stage.rerun), [
        'dagger call --source . --config lockstep.config.yaml rollback --environment nowhere --smoke=false',
        'dagger call --source . --config lockstep.config.yaml smoke --environment nowhere',
      ]);
    } finally {
      await rm(laptop, { recursive: true, force: true });
    }
  });
});

describe("the engine's GraphQL schema for the pinned version, and every query checked against it", () => {
  const sdk = join(root, 'node_modules', '@dagger.io', 'dagger');

  it('is derived from the pinned SDK, the version dagger.json and the workflows run', async () => {
    const source = engineSchemaSource(sdk);
    const pinned = (JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies['@dagger.io/dagger'];
    const engine = (JSON.parse(await readFile(join(root, 'dagger.json'), 'utf8')) as { engineVersion: string }).engineVersion;
    assert.equal(source.version, pinned);
    assert.equal(`v${source.version}`, engine);
  });

  it('refuses what the engine refuses: an unknown field, a wrong enum value, a missing argument, a leaf with a selection', () => {
    const schema = engineSchema(sdk);
    const errors = (query: string) => validate(schema, parse(query)).map((error) => error.message);
    assert.deepEqual(errors('{ container { from(address: "alpine") { withExec(args: ["true"], expect: ANY) { exitCode } } } }'), []);
    assert.match(errors('{ container { withExecute(args: ["true"]) { id } } }')[0] ?? '', /Cannot query field "withExecute" on type "Container"/);
    assert.match(errors('{ container { withExec(args: ["true"], expect: SOMETIMES) { id } } }')[0] ?? '', /"SOMETIMES" does not exist in "ReturnType"/);
    assert.match(errors('{ container { withEnvVariable(name: "A") { id } } }')[0] ?? '', /argument "value" of type "String!" is required/);
    assert.match(errors('{ container { from(address: "alpine") { exitCode { id } } } }')[0] ?? '', /must not have a selection/);
    assert.match(errors('{ node(id: "x") { ... on Directory { exists(path: "a") } } }').join(), /^$/);
  });

  it('answers a query that fails validation with its errors, runs nothing, and records it', async () => {
    const session = harness.engine.session({ parentName: 'Lockstep', name: 'probe', parent: '{}', inputArgs: {} });
    const response = await fetch(`http://127.0.0.1:${harness.engine.port}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${session.token}:`).toString('base64')}` },
      body: JSON.stringify({ query: '{ container { withExec(args: ["true"], expect: SOMETIMES) { exitCode } } }' }),
    });
    const body = (await response.json()) as { data?: unknown; errors: Array<{ message: string }> };
    assert.equal(body.data, undefined);
    assert.match(body.errors[0]!.message, /SOMETIMES/);
    assert.equal(session.execs.length, 0);
    assert.equal(session.invalid.length, 1);
  });

  it('registers the module (the runtime\'s first call) with queries the schema accepts: every function, its arguments, the checks', async () => {
    const session = await harness.register();
    assert.ok(session.returned && 'value' in session.returned, JSON.stringify(session.returned));
    const module = harness.engine.lookup(JSON.parse(session.returned.value) as string);
    assert.equal(module?.type, 'Definition');
    const registered = session.queries.join('\n');
    for (const name of ['promoteStaging', 'digestOnly', 'committedLock', 'lockGenerate']) assert.match(registered, new RegExp(`function\\s*\\(name: "${name}"`));
    assert.match(registered, /withCheck/);
    assert.match(registered, /withArg\s*\(name: "lockFile"/);
    assert.deepEqual(session.invalid, []);
  });

  it('validated every query the constructor, the functions and the registration sent, and refused none', () => {
    const sent = harness.sessions.flatMap((session) => session.queries);
    assert.ok(sent.length > 500, `${sent.length} queries`);
    assert.deepEqual(harness.sessions.flatMap((session) => session.invalid), []);
  });
});
