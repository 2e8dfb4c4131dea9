import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { writeLock } from '../../../src/lock/write.js';
import { makeLock, service } from '../../support/lockFixtures.js';

/**
 * `dagger call` for real, every stage: runs only where a dagger CLI (and its engine) is installed;
 * elsewhere it is skipped with the reason. Each stage is driven as far as it can go without outside
 * systems: pure stages succeed, environment and GitHub stages reach the CLI in the runner and are
 * refused there by name (an environment the config does not have, a GitHub API nobody listens on).
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const config = 'test/integration/dagger/fixtures/lockstep.config.yaml';
const probe = spawnSync('dagger', ['version'], { encoding: 'utf8' });
const skip = probe.error ? `no dagger CLI on PATH (${(probe.error as NodeJS.ErrnoException).code}): install dagger v0.21.9 to run this suite` : false;

/** Every function `dagger functions` lists, as the CLI names them. */
const moduleFunctions = ['runner', 'lock-generate', 'lock-verify', 'lock-diff', 'stack-test', 'health', 'deploy', 'end-to-end', 'smoke', 'release', 'pr-comment', 'pr-commit-lock', 'pr-open-promotion', 'gate-approvals', 'release-publish', 'release-resolve', 'committed-lock', 'digest-only', 'pr-check', 'promote-staging', 'promote-production', 'hotfix', 'rollback'];

let work: string;
let before1: string;
let after1: string;

interface Call {
  status: number | null;
  stdout: string;
  stderr: string;
}

function dagger(args: string[], env: Record<string, string> = {}): Call {
  const result = spawnSync('dagger', ['--progress', 'plain', 'call', '-m', root, '--config', config, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 15 * 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function failsWith(call: Call, pattern: RegExp): void {
  assert.notEqual(call.status, 0, `expected a failure, got:\n${call.stdout}`);
  assert.match(`${call.stdout}\n${call.stderr}`, pattern);
}

describe('dagger call, every stage, against a real engine', { skip }, () => {
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'lockstep-dagger-call-'));
    before1 = join(work, 'before.lock.yaml');
    after1 = join(work, 'after.lock.yaml');
    await writeLock(before1, makeLock({ cart: service('cart'), catalog: service('catalog') }));
    await writeLock(after1, makeLock({ cart: service('cart', { digest: `sha256:${'c'.repeat(64)}` }), catalog: service('catalog') }));
  });
  after(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('lists every function', () => {
    const listed = spawnSync('dagger', ['functions', '-m', root], { cwd: root, encoding: 'utf8' });
    assert.equal(listed.status, 0, listed.stderr);
    for (const name of moduleFunctions) assert.match(listed.stdout, new RegExp(`^${name}\\s`, 'm'), name);
  });

  it('lock-verify checks a lock in the runner', () => {
    const call = dagger(['lock-verify', '--lock-file', before1]);
    assert.equal(call.status, 0, call.stderr);
    assert.match(call.stdout, /schema and integrity ok/);
  });

  it('lock-diff compares two locks and prints JSON when asked', () => {
    const call = dagger(['lock-diff', '--before', before1, '--after', after1, '--format', 'json']);
    assert.equal(call.status, 0, call.stderr);
    assert.deepEqual(JSON.parse(call.stdout).summary, { added: 0, removed: 0, changed: 1, unchanged: 1 });
  });

  it('lock-generate runs the CLI and fails on the gitlink the suite repository does not have', () => {
    failsWith(dagger(['lock-generate', '--ref', 'HEAD']), /lockstep lock generate[\s\S]*failed[\s\S]*services\/cart/);
  });

  for (const stage of ['health', 'end-to-end', 'smoke']) {
    it(`${stage} reaches the CLI, which refuses an environment the config does not have, as bad input`, () => {
      failsWith(dagger([stage, '--environment', 'nowhere']), /BAD_INPUT, exit 2[\s\S]*nowhere/);
    });
  }

  it('deploy and rollback reach the CLI with the lock, refused for the unknown environment', () => {
    failsWith(dagger(['deploy', '--environment', 'nowhere', '--lock-file', before1]), /lockstep deploy[\s\S]*BAD_INPUT[\s\S]*nowhere/);
    failsWith(dagger(['rollback', '--environment', 'nowhere', '--strict']), /lockstep run rollback[\s\S]*failed/);
  });

  it('rollback without --strict returns the report of the failed run: the CLI run report, with its code', async () => {
    const out = join(work, 'rollback-report');
    const call = dagger(['rollback', '--environment', 'nowhere', 'export', '--path', out]);
    assert.equal(call.status, 0, call.stderr);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    assert.equal(run.status, 'failed');
    assert.deepEqual([run.stages[0].name, run.stages[0].code, run.stages[0].exitStatus], ['rollback', 'BAD_INPUT', 2]);
    assert.match(run.stages[0].rerun, /^lockstep --config \S+ rollback --env nowhere$/);
  });

  it('release archives the lock and returns what it added to the repository', async () => {
    const out = join(work, 'releases');
    const call = dagger(['release', '--version', 'v0.0.1', '--lock-file', before1, 'export', '--path', out]);
    assert.equal(call.status, 0, call.stderr);
    assert.ok((await readdir(join(out, 'locks', 'releases'))).includes('v0.0.1.lock.yaml'));
  });

  it('runs a GitHub stage without a token to the CLI, which refuses it', () => {
    failsWith(dagger(['pr-comment', '--pull-request', '1', '--lock-file', before1]), /GITHUB_TOKEN|token/);
  });

  it('hands the token over as a secret and reaches the GitHub API the CLI is pointed at', () => {
    const github = ['--github-token', 'env://LOCKSTEP_SUITE_TOKEN', '--repository', 'acme/shop', '--github-api-url', 'http://127.0.0.1:9'];
    const call = spawnSync(
      'dagger',
      ['--progress', 'plain', 'call', '-m', root, '--config', config, ...github, 'gate-approvals', '--pull-request', '1', '--lock-file', before1],
      { cwd: root, encoding: 'utf8', env: { ...process.env, LOCKSTEP_SUITE_TOKEN: 'suite-token-not-a-secret' }, timeout: 15 * 60_000 },
    );
    assert.notEqual(call.status, 0);
    assert.match(`${call.stdout}${call.stderr}`, /lockstep gate approvals[\s\S]*failed/);
    assert.doesNotMatch(`${call.stdout}${call.stderr}`, /suite-token-not-a-secret/);
  });

  it('a pipeline returns its report even when a stage fails: pr-check stops at the lock', async () => {
    const out = join(work, 'pr-check');
    const call = dagger(['pr-check', '--pull-request', '7', '--branch', 'dev', 'export', '--path', out]);
    assert.equal(call.status, 0, call.stderr);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    assert.equal(run.pipeline, 'pr-check');
    assert.equal(run.stages[0].name, 'lock generate');
    assert.equal(run.stages[0].status, 'failed');
    assert.match(await readFile(join(out, 'summary.md'), 'utf8'), /pr-check failed/);
  });

  it('dagger check runs the lock verification and the digest-only policy', () => {
    const checks = spawnSync('dagger', ['check', '-m', root, '--list'], { cwd: root, encoding: 'utf8' });
    assert.equal(checks.status, 0, checks.stderr);
    assert.match(checks.stdout, /committed-lock/);
    assert.match(checks.stdout, /digest-only/);
  });
});
