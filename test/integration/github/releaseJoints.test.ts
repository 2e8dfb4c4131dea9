import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { releaseFile } from '../../../src/environments/releases/archive.js';
import { LockstepError } from '../../../src/errors.js';
import { lockCommentKey } from '../../../src/github/lockComment.js';
import { lockMarker, stickyMarker } from '../../../src/github/markers.js';
import { releaseAssetName } from '../../../src/github/releaseNotes.js';
import { classifyLockBytes } from '../../../src/github/remoteLock.js';
import { evaluateApprovalGate } from '../../../src/stages/approvalGate.js';
import { commitLockToBranch } from '../../../src/stages/commitLock.js';
import { commentLockOnPullRequest } from '../../../src/stages/prComment.js';
import { listPublishedReleases } from '../../../src/github/releasedLock.js';
import type { ReleaseLock } from '../../../src/lock/schema.js';
import { serializeLock } from '../../../src/lock/serialize.js';
import { writeLock } from '../../../src/lock/write.js';
import { commitArchive } from '../../../src/stages/commitArchive.js';
import { resolveProductionRelease } from '../../../src/stages/resolveRelease.js';
import { portFor } from '../../doubles/github/connect.js';
import { startGitHubDouble, type GitHubDouble } from '../../doubles/github/server.js';
import { makeLock, service } from '../../support/lockFixtures.js';

const lockPath = 'locks/current.lock.yaml';
const bytes = (lock: ReleaseLock) => Buffer.from(serializeLock(lock));
const v1 = makeLock({ cart: service('cart', { tag: '1.0.0' }), catalog: service('catalog', { tag: '1.0.0' }) });
const v2 = makeLock({ cart: service('cart', { tag: '1.1.0', digest: `sha256:${'2'.repeat(64)}` }), catalog: service('catalog', { tag: '1.0.0' }) });

const doubles: GitHubDouble[] = [];
const dirs: string[] = [];
async function setup() {
  const gh = await startGitHubDouble();
  doubles.push(gh);
  gh.commit('main', { [lockPath]: bytes(v1) }, { message: 'release 1' });
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-joints-'));
  dirs.push(dir);
  return { gh, github: portFor(gh), releasesDir: join(dir, 'releases') };
}

/** A staging -> main promotion carrying `lock`, merged with the merge button; returns the merge commit. */
function promote(gh: GitHubDouble, lock: ReleaseLock): { number: number; merge: string } {
  gh.commit('staging', { [lockPath]: bytes(lock) }, { from: 'main', message: 'lock' });
  const number = gh.openPullRequest({ head: 'staging', base: 'main', author: 'lockstep[bot]' });
  return { number, merge: gh.merge(number) };
}

afterEach(() => {
  for (const gh of doubles) assert.deepEqual(gh.violations, [], 'every request and response matched the OpenAPI description');
});
after(async () => {
  await Promise.all(doubles.map((gh) => gh.stop()));
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('release resolve against GitHub', () => {
  it('finds the merged pull request of the commit and the next version the lock calls for', async () => {
    const { gh, github, releasesDir } = await setup();
    await writeLock(releaseFile(releasesDir, 'v1.0.0'), v1);
    const { number, merge } = promote(gh, v2);
    const resolved = await resolveProductionRelease({ lock: v2, commit: merge, branch: 'main', releasesDir, archivePath: 'locks/releases', github, progress: () => {} });
    assert.equal(resolved.action, 'release');
    assert.equal(resolved.version, 'v1.1.0');
    assert.equal(resolved.pullRequest, number);
    assert.deepEqual(resolved.released, { version: 'v1.0.0', from: releaseFile(releasesDir, 'v1.0.0'), file: releaseFile(releasesDir, 'v1.0.0') });
    assert.ok(gh.requests.some((request) => request.operationId === 'repos/list-pull-requests-associated-with-commit'));
  });

  it('refuses a commit that reached main without a merged pull request', async () => {
    const { gh, github, releasesDir } = await setup();
    const pushed = gh.commit('main', { [lockPath]: bytes(v2) }, { message: 'pushed by hand' });
    await assert.rejects(
      resolveProductionRelease({ lock: v2, commit: pushed, branch: 'main', releasesDir, archivePath: 'locks/releases', github, progress: () => {} }),
      (error: unknown) => error instanceof LockstepError && error.code === 'GATE_REFUSED' && /without a merged pull request/.test(error.message),
    );
  });

  it('does nothing for a merge that changes no service, even one whose release is only on GitHub', async () => {
    const { gh, github, releasesDir } = await setup();
    // v1.1.0's archive commit never landed: the checkout archives v1.0.0 only; GitHub carries v1.1.0 with its lock.
    await writeLock(releaseFile(releasesDir, 'v1.0.0'), v1);
    gh.seedRelease({ tag: 'v1.1.0', commit: gh.head('main'), assets: { [releaseAssetName('v1.1.0')]: bytes(v2) } });
    const readme = gh.commit('docs', { 'README.md': 'typo' }, { from: 'main' });
    assert.ok(readme);
    const number = gh.openPullRequest({ head: 'docs', base: 'main', author: 'dev' });
    const merge = gh.merge(number);
    const resolved = await resolveProductionRelease({ lock: v2, commit: merge, branch: 'main', releasesDir, archivePath: 'locks/releases', github, progress: () => {} });
    assert.equal(resolved.action, 'nothing-to-do');
    assert.equal(resolved.why, 'no service changed since release v1.1.0; nothing deployed');
    assert.equal(resolved.version, null);
    assert.equal(resolved.released?.from, 'the lock attached to v1.1.0');
  });
});

describe('the release archive on the production branch', () => {
  it('is committed through the git data API, once: a rerun changes nothing', async () => {
    const { gh, github } = await setup();
    const path = 'locks/releases/v1.1.0.lock.yaml';
    const first = await commitArchive({ version: 'v1.1.0', lock: v2, path, branch: 'main' }, { github });
    assert.equal(first.action, 'committed');
    assert.equal(gh.head('main'), first.commit);
    assert.deepEqual(gh.fileAt('main', path), bytes(v2));
    assert.match(gh.git.commits.get(first.commit)!.message, /^chore\(release\): archive v1\.1\.0 \[skip ci\]$/);
    assert.deepEqual(gh.fileAt('main', lockPath), bytes(v1), 'the rest of main is kept');
    const again = await commitArchive({ version: 'v1.1.0', lock: v2, path, branch: 'main' }, { github });
    assert.equal(again.action, 'unchanged');
    assert.equal(gh.head('main'), first.commit);
  });

  it('is never replaced by another lock under the same version', async () => {
    const { gh, github } = await setup();
    const path = 'locks/releases/v1.1.0.lock.yaml';
    gh.commit('main', { [path]: bytes(v1) });
    const head = gh.head('main');
    await assert.rejects(commitArchive({ version: 'v1.1.0', lock: v2, path, branch: 'main' }, { github }), (error: unknown) => error instanceof LockstepError && error.code === 'CONFLICT');
    assert.equal(gh.head('main'), head);
  });

  it('lands on top of a push that raced it, without overwriting it', async () => {
    const { gh, github } = await setup();
    const path = 'locks/releases/v1.1.0.lock.yaml';
    gh.beforeNext('git/update-ref', () => gh.commit('main', { 'README.md': 'raced' }));
    const result = await commitArchive({ version: 'v1.1.0', lock: v2, path, branch: 'main' }, { github });
    assert.equal(result.action, 'committed');
    assert.equal(gh.fileAt('main', 'README.md')?.toString(), 'raced');
    assert.deepEqual(gh.fileAt('main', path), bytes(v2));
  });
});

describe('the GitHub releases as the second copy of the archive', () => {
  it('lists every published release with the lock it carries, and reports one without a readable lock', async () => {
    const { gh, github } = await setup();
    gh.seedRelease({ tag: 'v1.0.0', commit: gh.head('main'), assets: { [releaseAssetName('v1.0.0')]: bytes(v1) } });
    gh.seedRelease({ tag: 'v1.1.0', commit: gh.head('main'), assets: { [releaseAssetName('v1.1.0')]: Buffer.from('not a lock') } });
    gh.seedRelease({ tag: 'v1.2.0', commit: gh.head('main'), draft: true, assets: { [releaseAssetName('v1.2.0')]: bytes(v2) } });
    const skipped: string[] = [];
    const published = await listPublishedReleases(github, 'locks/releases', (tag) => skipped.push(tag));
    assert.deepEqual(published.map((release) => [release.version, release.lock.integrity]), [['v1.0.0', v1.integrity]]);
    assert.deepEqual(skipped, ['v1.1.0']);
  });
});

describe('a hotfix pull request opened by a person', () => {
  it('carries the lock lockstep made in its lock comment, and the gate passes it with four approvals', async () => {
    const { gh, github } = await setup();
    const hotfix = makeLock({ ...v1.services, cart: service('cart', { tag: '1.0.1', digest: `sha256:${'3'.repeat(64)}` }) }, { hotfix: { baseIntegrity: v1.integrity, services: ['cart'] } });
    gh.commit('hotfix/cart', { 'services/cart.gitlink': 'fixed' }, { from: 'main' });
    const number = gh.openPullRequest({ head: 'hotfix/cart', base: 'main', author: 'alice', body: 'Fixes the cart total.' });

    // Before lockstep made its lock, the gate has nothing to check the head against; a marker a person writes does not count.
    gh.addComment(number, 'mallory', lockMarkerComment(hotfix.integrity));
    const before = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath }, { github });
    assert.equal(before.passed, false);
    assert.equal(before.markerSource, null);
    assert.match(before.lock.problems.join('\n'), /lockstep commented no lock on it/);

    // The hotfix workflow: the lock comment, then the lock committed to the branch.
    await commentLockOnPullRequest({ pullRequest: number, lock: hotfix, lockPath }, { github });
    await commitLockToBranch({ branch: 'hotfix/cart', lock: hotfix, lockPath, pullRequest: number, expectedHead: gh.head('hotfix/cart'), force: false }, { github });
    for (const reviewer of ['bob', 'carol', 'dave']) gh.review(number, reviewer, 'APPROVED');
    const three = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath }, { github });
    assert.equal(three.passed, false);
    assert.equal(three.lock.ok, true, three.lock.problems.join('\n'));
    assert.equal(three.markerSource, 'comment');

    gh.review(number, 'erin', 'APPROVED');
    const merge = gh.merge(number);
    const onMain = classifyLockBytes(`${lockPath}@main`, gh.fileAt('main', lockPath)!);
    const passed = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath, targetLock: onMain, deploying: { branch: 'main', commit: merge } }, { github });
    assert.equal(passed.passed, true, [...passed.lock.problems, ...passed.pullRequestProblems].join('\n'));
    assert.equal(passed.lock.integrity, hotfix.integrity);
  });

  it('is refused when the lock at its head is not the one lockstep commented', async () => {
    const { gh, github } = await setup();
    const made = makeLock({ ...v1.services, cart: service('cart', { tag: '1.0.1', digest: `sha256:${'3'.repeat(64)}` }) });
    const handMade = makeLock({ ...v1.services, cart: service('cart', { tag: '1.0.1', digest: `sha256:${'4'.repeat(64)}` }) });
    gh.commit('hotfix/cart', { [lockPath]: bytes(handMade) }, { from: 'main' });
    const number = gh.openPullRequest({ head: 'hotfix/cart', base: 'main', author: 'alice' });
    await commentLockOnPullRequest({ pullRequest: number, lock: made, lockPath }, { github });
    for (const reviewer of ['bob', 'carol', 'dave', 'erin']) gh.review(number, reviewer, 'APPROVED');
    const result = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath }, { github });
    assert.equal(result.passed, false);
    assert.match(result.lock.problems.join('\n'), /the pull request was opened for/);
  });
});

function lockMarkerComment(integrity: string): string {
  return `${stickyMarker(lockCommentKey)}\n${lockMarker(integrity)}`;
}
