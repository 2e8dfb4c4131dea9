import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeLock } from '../../../src/lock/write.js';
import type { RunReport } from '../../../src/report/runReport.js';
import { runCli } from '../../support/cli.js';
import { makeLock, service } from '../../support/lockFixtures.js';
import type { RecordedExec } from './support/engineDouble.js';
import { prepareRuntimeCopy, root, runUnderRuntime, type RuntimeCopy } from './support/runtimeCopy.js';

/**
 * Each function of the module called as the engine calls it, against a local double of the engine's
 * core API (support/engineDouble.ts) that refuses any method the pinned SDK's generated client does
 * not declare and really runs the runner's lockstep execs with this checkout's CLI. So the test sees
 * the exec each function produces, whether the CLI accepts its flags, and what comes back; and it
 * compares a pipeline run through the module with the same `lockstep run` on a laptop.
 */

interface Result {
  fn: string;
  value?: unknown;
  error?: string;
  execs: RecordedExec[];
}

let copy: RuntimeCopy;
let orchestrator: string;
const fixtureConfig = join(root, 'test', 'integration', 'dagger', 'fixtures', 'lockstep.config.yaml');

before(async () => {
  copy = await prepareRuntimeCopy(null, join(root, 'test', 'integration', 'dagger', 'support', 'engineDouble.ts'));
  orchestrator = await mkdtemp(join(tmpdir(), 'lockstep-invoke-'));
  await cp(fixtureConfig, join(orchestrator, 'lockstep.config.yaml'));
  await writeLock(join(orchestrator, 'locks', 'current.lock.yaml'), makeLock({ cart: service('cart', { image: 'registry.example.com/lockstep-suite/cart' }) }));
  await writeLock(join(orchestrator, 'after.lock.yaml'), makeLock({ cart: service('cart', { image: 'registry.example.com/lockstep-suite/cart', digest: `sha256:${'c'.repeat(64)}` }) }));
});

after(async () => {
  if (copy) await copy.remove();
  if (orchestrator) await rm(orchestrator, { recursive: true, force: true });
});

async function invoke(calls: Array<{ fn: string; args: unknown[] }>, options: { githubToken?: string; source?: string } = {}): Promise<Result[]> {
  const source = await mkdtemp(join(tmpdir(), 'lockstep-invoke-source-'));
  await cp(options.source ?? orchestrator, source, { recursive: true });
  const spec = { module: copy.sources.find((file) => file.endsWith('index.ts')), source, config: 'lockstep.config.yaml', githubToken: options.githubToken, calls };
  const child = runUnderRuntime(copy, [join(root, 'test', 'integration', 'dagger', 'support', 'invokeModule.ts'), JSON.stringify(spec)], {
    LOCKSTEP_DOUBLE_CLIENT: join(copy.sdk, 'dist', 'src', 'api', 'client.gen.d.ts'),
    LOCKSTEP_DOUBLE_CLI: join(root, 'bin', 'lockstep.js'),
  });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout) as Result[];
}

/** The lockstep command line of the last CLI exec, after the program and the global options. */
function command(result: Result): string[] {
  const exec = result.execs.filter((candidate) => candidate.ran).at(-1);
  assert.ok(exec, `${result.fn} ran the CLI`);
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
      { fn: 'lockVerify', args: [] },
      { fn: 'lockDiff', args: [file('locks/current.lock.yaml'), file('after.lock.yaml'), 'json'] },
      { fn: 'lockGenerate', args: [] },
      { fn: 'health', args: ['nowhere'] },
      { fn: 'deploy', args: ['nowhere'] },
      { fn: 'endToEnd', args: ['nowhere'] },
      { fn: 'smoke', args: ['nowhere'] },
      { fn: 'release', args: ['v0.0.1'] },
      { fn: 'prComment', args: [7] },
      { fn: 'prCommitLock', args: ['dev', 7] },
      { fn: 'prOpenPromotion', args: [undefined, undefined, undefined, undefined, 'https://ci.example.com/run/1'] },
      { fn: 'gateApprovals', args: [7] },
      { fn: 'releaseCommitArchive', args: ['v0.0.1'] },
      { fn: 'releasePublish', args: ['v0.0.1'] },
      { fn: 'releaseResolve', args: ['a'.repeat(40), 7, 'v2.0.0'] },
      { fn: 'committedLock', args: [] },
      { fn: 'digestOnly', args: [] },
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

  it('hands the GitHub token over as a secret variable only', async () => {
    const [withToken] = await invoke([{ fn: 'gateApprovals', args: [7] }], { githubToken: 'token-not-a-secret' });
    const exec = withToken!.execs.filter((candidate) => candidate.ran).at(-1)!;
    assert.deepEqual(exec.secretEnv, ['GITHUB_TOKEN']);
    assert.ok(!Object.values(exec.env).includes('token-not-a-secret'));
    assert.ok(!exec.args.includes('token-not-a-secret'));
  });
});

describe('a pipeline through the module and through `lockstep run`', () => {
  it('runs one exec of `lockstep run <pipeline>` for every pipeline function', async () => {
    const results = await invoke([
      { fn: 'prCheck', args: [7, 'dev'] },
      { fn: 'hotfix', args: [['cart']] },
      { fn: 'promoteStaging', args: [] },
      { fn: 'promoteProduction', args: ['v1.0.0', 3] },
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
      const [viaModule] = await invoke([{ fn: 'rollback', args: ['nowhere'] }]);
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
