import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { kebab, stageNames } from '../../../dagger/src/stagePlans.js';
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
    for (const name of ['runner', ...stageNames, 'pr-check', 'promote-staging', 'promote-production', 'hotfix']) {
      assert.match(listed.stdout, new RegExp(`^${kebab(name)}\\s`, 'm'), name);
    }
  });

  it('lock-verify checks a lock in the runner', () => {
    const call = dagger(['lock-verify', '--lock', before1]);
    assert.equal(call.status, 0, call.stderr);
    assert.match(call.stdout, /schema and integrity ok/);
  });

  it('lock-diff compares two locks and prints JSON when asked', () => {
    const call = dagger(['lock-diff', '--before', before1, '--after', after1, '--format', 'json']);
    assert.equal(call.status, 0, call.stderr);
    assert.deepEqual(JSON.parse(call.stdout).summary, { added: 0, removed: 0, changed: 1, unchanged: 1 });
  });

  it('lock-generate runs the CLI and fails on the gitlink the suite repository does not have', () => {
    failsWith(dagger(['lock-generate', '--ref', 'HEAD']), /lock-generate failed[\s\S]*services\/cart/);
  });

  it('stack-test asks the CLI for the stack plan, which refuses a lock compose does not match', () => {
    failsWith(dagger(['stack-test', '--lock', before1]), /stack-test failed|stack plan/);
  });

  for (const stage of ['health-check', 'e2e-test', 'smoke-test']) {
    it(`${stage} reaches the CLI, which refuses an environment the config does not have`, () => {
      failsWith(dagger([stage, '--environment', 'nowhere']), /nowhere/);
    });
  }

  it('deploy and rollback reach the CLI with the lock, refused for the unknown environment', () => {
    failsWith(dagger(['deploy', '--environment', 'nowhere', '--lock', before1]), /deploy failed[\s\S]*nowhere/);
    failsWith(dagger(['rollback', '--environment', 'nowhere', '--strict']), /rollback[\s\S]*nowhere/);
  });

  it('rollback without --strict returns the report of the failed run, with the rerun line', async () => {
    const out = join(work, 'rollback-report');
    const call = dagger(['rollback', '--environment', 'nowhere', 'export', '--path', out]);
    assert.equal(call.status, 0, call.stderr);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    assert.equal(run.status, 'failed');
    assert.equal(run.stages[0].rerun, `dagger call --config ${config} rollback --environment nowhere`);
  });

  it('release archives the lock and returns the archive folder', async () => {
    const out = join(work, 'releases');
    const call = dagger(['release', '--version', 'v0.0.1', '--lock', before1, 'export', '--path', out]);
    assert.equal(call.status, 0, call.stderr);
    assert.ok((await readdir(out)).includes('v0.0.1.lock.yaml'));
  });

  it('refuses every GitHub stage without a token before starting a container', () => {
    for (const args of [
      ['pr-comment', '--pull-request', '1', '--lock', before1],
      ['commit-lock', '--branch', 'dev', '--lock', before1],
      ['open-promotion', '--lock', before1],
      ['approval-gate', '--pull-request', '1', '--lock', before1],
      ['publish-release', '--version', 'v0.0.1', '--lock', before1],
    ]) {
      failsWith(dagger(args), /--github-token/);
    }
  });

  it('hands the token over as a secret and reaches the GitHub API the CLI is pointed at', () => {
    const github = ['--github-token', 'env://LOCKSTEP_SUITE_TOKEN', '--repository', 'acme/shop', '--github-api-url', 'http://127.0.0.1:9'];
    const call = spawnSync(
      'dagger',
      ['--progress', 'plain', 'call', '-m', root, '--config', config, ...github, 'approval-gate', '--pull-request', '1', '--lock', before1],
      { cwd: root, encoding: 'utf8', env: { ...process.env, LOCKSTEP_SUITE_TOKEN: 'suite-token-not-a-secret' }, timeout: 15 * 60_000 },
    );
    assert.notEqual(call.status, 0);
    assert.match(`${call.stdout}${call.stderr}`, /approval-gate failed/);
    assert.doesNotMatch(`${call.stdout}${call.stderr}`, /suite-token-not-a-secret/);
  });

  it('a composite returns its report even when a stage fails: pr-check stops at the lock', async () => {
    const out = join(work, 'pr-check');
    const call = dagger(['pr-check', '--pull-request', '7', '--branch', 'dev', 'export', '--path', out]);
    assert.equal(call.status, 0, call.stderr);
    const run = JSON.parse(await readFile(join(out, 'run.json'), 'utf8'));
    assert.equal(run.pipeline, 'prCheck');
    assert.equal(run.stages[0].name, 'lockGenerate');
    assert.equal(run.stages[0].status, 'failed');
    assert.deepEqual(
      run.stages.slice(1).map((stage: { status: string }) => stage.status),
      ['skipped', 'skipped', 'skipped', 'skipped'],
    );
    assert.match(await readFile(join(out, 'summary.md'), 'utf8'), /# prCheck: failed/);
  });

  it('promote-staging and promote-production stop at their first environment or GitHub stage', async () => {
    failsWith(dagger(['promote-staging', '--lock', before1]), /--github-token/);
    const token = { LOCKSTEP_SUITE_TOKEN: 'suite-token-not-a-secret' };
    failsWith(dagger(['--github-token', 'env://LOCKSTEP_SUITE_TOKEN', 'promote-staging', '--lock', before1, '--strict'], token), /health-check \| failed/);
    failsWith(dagger(['promote-production', '--pull-request', '3', '--version', 'v1.0.0', '--lock', before1, '--strict']), /--github-token/);
    failsWith(dagger(['hotfix', '--pull-request', '3', '--branch', 'hotfix/cart', '--services', 'cart', '--base', before1, '--strict']), /lock-generate \| failed/);
  });
});
