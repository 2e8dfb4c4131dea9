import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { readLockMarker } from '../../../src/github/markers.js';
import { lockId } from '../../../src/lock/integrity.js';
import type { ReleaseLock } from '../../../src/lock/schema.js';
import { serializeLock } from '../../../src/lock/serialize.js';
import { fastRequests } from '../../doubles/github/connect.js';
import { startGitHubDouble, type GitHubDouble } from '../../doubles/github/server.js';
import { hex, makeLock, service } from '../../support/lockFixtures.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'lockstep.js');
const built = existsSync(join(root, 'dist', 'cli', 'main.js'));
const lockPath = 'locks/current.lock.yaml';
const production = makeLock({ cart: service('cart'), catalog: service('catalog') });

let work: string;
const doubles: GitHubDouble[] = [];

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lockstep-github-cli-'));
  // A real config: the GitHub section with short waits; everything else at its defaults.
  const config = {
    apiVersion: 'lockstep/v1',
    kind: 'Config',
    services: { cart: { path: 'services/cart', image: 'localhost:5000/acme/cart' } },
    github: { requests: { ...fastRequests } },
  };
  await writeFile(join(work, 'lockstep.config.yaml'), stringify(config));
});
afterEach(() => {
  for (const gh of doubles) assert.deepEqual(gh.violations, [], 'every request and response matched the OpenAPI description');
});
after(async () => {
  await Promise.all(doubles.map((gh) => gh.stop()));
  await rm(work, { recursive: true, force: true });
});

async function double(): Promise<GitHubDouble> {
  const gh = await startGitHubDouble();
  doubles.push(gh);
  gh.commit('main', { [lockPath]: serializeLock(production) });
  gh.commit('staging', { [lockPath]: serializeLock(production) }, { from: 'main' });
  gh.commit('dev', { 'services/catalog.gitlink': 'moved' }, { from: 'staging' });
  return gh;
}

function lockFor(commit: string): ReleaseLock {
  return makeLock(
    { cart: service('cart'), catalog: service('catalog', { digest: `sha256:${hex('catalog-next', 64)}` }) },
    { source: { repository: 'acme/orchestrator', ref: 'refs/heads/dev', commit } },
  );
}

async function lockFile(name: string, lock: ReleaseLock): Promise<string> {
  const file = join(work, name);
  await writeFile(file, serializeLock(lock));
  return file;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI in the work folder, with the token only in the environment. */
function lockstep(args: string[], gh: GitHubDouble | null, env: Record<string, string | undefined> = {}): Promise<Run> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(base)) if (name.startsWith('GITHUB_')) delete base[name];
  const githubEnv = gh ? { GITHUB_TOKEN: gh.token, GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}`, GITHUB_API_URL: gh.apiUrl } : {};
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: work, env: { ...base, ...githubEnv, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function assertTokenNeverShown(run: Run, gh: GitHubDouble): void {
  assert.ok(!run.stdout.includes(gh.token) && !run.stderr.includes(gh.token), 'the token never appears in the output');
}

describe('lockstep pr/gate/release commands against the OpenAPI-validated GitHub double', { skip: built ? false : 'dist/ is not built: run `npm run build` (npm test does)' }, () => {
  it('pr comment --out renders the comment to a file without GitHub', async () => {
    const out = join(work, 'comment.md');
    const run = await lockstep(['pr', 'comment', '--lock', await lockFile('next.lock.yaml', lockFor(hex('dev', 40))), '--base-lock', await lockFile('prod.lock.yaml', production), '--out', out], null);
    assert.equal(run.code, 0, run.stderr);
    const body = await readFile(out, 'utf8');
    assert.match(body, /^<!-- lockstep:sticky lock-comment -->/);
    assert.match(body, /\| catalog \| changed \|/);
  });

  it('pr comment posts once, then finds its comment again; the token is never printed', async () => {
    const gh = await double();
    const pr = gh.openPullRequest({ head: 'dev', base: 'staging', author: 'alice' });
    const file = await lockFile('pr.lock.yaml', lockFor(gh.head('dev')));
    const first = await lockstep(['pr', 'comment', '--pr', String(pr), '--lock', file], gh);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /✔ created the lock comment/);
    const second = await lockstep(['--json', 'pr', 'comment', '--pr', String(pr), '--lock', file], gh);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(JSON.parse(second.stdout).action, 'unchanged');
    assert.equal(gh.comments.size, 1);
    assertTokenNeverShown(first, gh);
    assertTokenNeverShown(second, gh);
  });

  it('pr comment without the permission exits 1 naming it, without the token', async () => {
    const gh = await double();
    gh.permissions.issues = 'read';
    const pr = gh.openPullRequest({ head: 'dev', base: 'staging', author: 'alice' });
    const run = await lockstep(['pr', 'comment', '--pr', String(pr), '--lock', await lockFile('perm.lock.yaml', lockFor(gh.head('dev')))], gh);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /lockstep: commenting on #1: permission denied on acme\/orchestrator .*the token needs `issues: write`/);
    assert.match(run.stderr, /hint: give the token `issues: write` on acme\/orchestrator/);
    assertTokenNeverShown(run, gh);
  });

  it('a missing token is one line of bad input (exit 2), and --token-env names another variable', async () => {
    const gh = await double();
    const file = await lockFile('token.lock.yaml', lockFor(gh.head('dev')));
    const missing = await lockstep(['pr', 'comment', '--pr', '1', '--lock', file], gh, { GITHUB_TOKEN: undefined });
    assert.equal(missing.code, 2);
    assert.deepEqual(missing.stderr.trim().split('\n'), [
      'lockstep: environment: GITHUB_TOKEN: is not set: it must hold the GitHub token (or name another variable with --token-env)',
    ]);
    const pr = gh.openPullRequest({ head: 'dev', base: 'staging', author: 'alice' });
    const other = await lockstep(['pr', 'comment', '--pr', String(pr), '--lock', file, '--token-env', 'BOT_TOKEN'], gh, { GITHUB_TOKEN: undefined, BOT_TOKEN: gh.token });
    assert.equal(other.code, 0, other.stderr);
  });

  it('pr commit-lock exits 3 when the branch moved past --expected-head', async () => {
    const gh = await double();
    const pr = gh.openPullRequest({ head: 'dev', base: 'staging', author: 'alice' });
    const file = await lockFile('commit.lock.yaml', lockFor(gh.head('dev')));
    const merged = gh.merge(pr);
    gh.commit('staging', { 'services/cart.gitlink': 'another merge' });
    const run = await lockstep(['pr', 'commit-lock', '--branch', 'staging', '--lock', file, '--pr', String(pr), '--expected-head', merged], gh);
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stderr, /refusing to commit lock [0-9a-f]{12}: staging moved/);
    const forced = await lockstep(['pr', 'commit-lock', '--branch', 'staging', '--lock', file, '--pr', String(pr), '--expected-head', merged, '--force'], gh);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, new RegExp(`chore\\(lock\\): [0-9a-f]{12} from #${pr}`));
  });

  it('pr open-promotion then gate approvals: exit 4 with a reviewer table until four current approvals', async () => {
    const gh = await double();
    const lock = lockFor(gh.head('dev'));
    gh.commit('staging', { [lockPath]: serializeLock(lock) });
    const file = await lockFile('promo.lock.yaml', lock);
    const summary = join(work, 'e2e.md');
    await writeFile(summary, '**E2E on staging**: 31 passed, 0 failed');
    const opened = await lockstep(['--json', 'pr', 'open-promotion', '--lock', file, '--e2e-summary', summary, '--run-url', 'https://ci.example/runs/7'], gh);
    assert.equal(opened.code, 0, opened.stderr);
    const { number } = JSON.parse(opened.stdout) as { number: number };
    const pull = gh.pulls.get(number)!;
    assert.deepEqual(pull.labels, ['automation:release-bump']);
    assert.equal(readLockMarker(pull.body), lock.integrity);
    assert.match(pull.body, /31 passed/);
    pull.user = gh.user('alice');

    gh.review(number, 'alice', 'APPROVED');
    gh.review(number, 'bob', 'APPROVED');
    const refused = await lockstep(['gate', 'approvals', '--pr', String(number), '--required', '4'], gh);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stdout, /reviewer +state +commit +counts +why/);
    assert.match(refused.stdout, /alice +APPROVED +[0-9a-f]{7} +no +is the pull request author/);
    assert.match(refused.stdout, /bob +APPROVED +[0-9a-f]{7} +yes +approved the head commit/);
    assert.match(refused.stderr, /approval gate refused #\d+: 1 of 4 required approvals on the head commit/);

    for (const reviewer of ['carol', 'dave', 'erin']) gh.review(number, reviewer, 'APPROVED');
    const unmerged = await lockstep(['gate', 'approvals', '--pr', String(number)], gh, { GITHUB_SHA: gh.head('main') });
    assert.equal(unmerged.code, 4, unmerged.stderr);
    assert.match(unmerged.stderr, /approval gate refused #\d+: #\d+ is open without being merged/);
    const mergeCommit = gh.merge(number);
    const other = await lockstep(['gate', 'approvals', '--pr', String(number), '--commit', gh.head('staging')], gh);
    assert.equal(other.code, 4, other.stderr);
    assert.match(other.stderr, /merged as [0-9a-f]{7}, but the commit being deployed is/);
    const onMain = join(work, 'main.lock.yaml');
    await writeFile(onMain, gh.fileAt('main', lockPath)!);
    const passed = await lockstep(['--json', 'gate', 'approvals', '--pr', String(number), '--lock', onMain], gh, { GITHUB_SHA: mergeCommit });
    assert.equal(passed.code, 0, passed.stderr);
    const result = JSON.parse(passed.stdout) as { passed: boolean; approvals: { approvals: number }; lock: { integrity: string } };
    assert.deepEqual([result.passed, result.approvals.approvals, result.lock.integrity], [true, 4, lock.integrity]);
  });

  it('release resolve --json names the merged pull request and the next version; release commit-archive commits the archive to main', async () => {
    const gh = await double();
    const lock = lockFor(gh.head('dev'));
    gh.commit('staging', { [lockPath]: serializeLock(lock) });
    const number = gh.openPullRequest({ head: 'staging', base: 'main', author: 'lockstep[bot]' });
    const merge = gh.merge(number);
    const file = await lockFile('resolve.lock.yaml', lock);
    const dir = join(work, 'resolve-releases');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'v1.0.0.lock.yaml'), serializeLock(production));

    const resolved = await lockstep(['--json', 'release', 'resolve', '--lock', file, '--commit', merge, '--releases-dir', dir], gh);
    assert.equal(resolved.code, 0, resolved.stderr);
    const result = JSON.parse(resolved.stdout) as { action: string; version: string; pullRequest: number; released: { version: string } };
    // catalog was rebuilt under a sha tag: a patch release.
    assert.deepEqual([result.action, result.version, result.pullRequest, result.released.version], ['release', 'v1.0.1', number, 'v1.0.0']);
    assertTokenNeverShown(resolved, gh);

    const archived = await lockstep(['release', 'archive', '--lock', file, '--version', result.version, '--dir', dir], gh);
    assert.equal(archived.code, 0, archived.stderr);
    const committed = await lockstep(['release', 'commit-archive', '--version', result.version, '--dir', dir], gh);
    assert.equal(committed.code, 0, committed.stderr);
    assert.deepEqual(gh.fileAt('main', 'locks/releases/v1.0.1.lock.yaml'), await readFile(join(dir, 'v1.0.1.lock.yaml')));
    assert.match(committed.stdout, /archived v1\.0\.1 \(lock \w{12}\) on main as [0-9a-f]{40}/);

    // A run that stopped after the archive commit is completed by its rerun, under the same version.
    const unpublished = await lockstep(['--json', 'release', 'resolve', '--lock', file, '--commit', merge, '--releases-dir', dir], gh);
    assert.equal(unpublished.code, 0, unpublished.stderr);
    const completing = JSON.parse(unpublished.stdout) as { action: string; version: string; why: string };
    assert.deepEqual([completing.action, completing.version, completing.why], ['release', 'v1.0.1', 'v1.0.1 is archived but was never published']);
    const published = await lockstep(['release', 'publish', '--version', 'v1.0.1', '--lock', file, '--target', merge], gh);
    assert.equal(published.code, 0, published.stderr);

    // Merged again with no service changed (the archive commit itself, say): nothing to do.
    const again = await lockstep(['release', 'resolve', '--lock', file, '--commit', gh.head('main'), '--releases-dir', dir], gh);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /no service changed since release v1\.0\.1; nothing deployed/);
  });

  it('release publish --version tags the commit and attaches the lock; a rerun converges', async () => {
    const gh = await double();
    const file = await lockFile('release.lock.yaml', production);
    const run = await lockstep(['release', 'publish', '--version', 'v1.0.0', '--lock', file], gh);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`released v1\\.0\\.0 at ${gh.head('main')} with lock ${lockId(production)}`));
    const again = await lockstep(['--json', 'release', 'publish', '--version', 'v1.0.0', '--lock', file], gh);
    assert.equal(again.code, 0, again.stderr);
    const result = JSON.parse(again.stdout) as Record<string, string>;
    assert.deepEqual([result.tagAction, result.releaseAction, result.assetAction], ['exists', 'unchanged', 'unchanged']);
  });
});
