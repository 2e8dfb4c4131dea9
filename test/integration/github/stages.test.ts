import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { parseReleaseVersion } from '../../../src/environments/releases/version.js';
import { LockstepError } from '../../../src/errors.js';
import { isSticky, readLockMarker } from '../../../src/github/markers.js';
import type { GitHubPort } from '../../../src/github/port.js';
import { classifyLockBytes } from '../../../src/github/remoteLock.js';
import { lockId } from '../../../src/lock/integrity.js';
import type { ReleaseLock } from '../../../src/lock/schema.js';
import { serializeLock } from '../../../src/lock/serialize.js';
import { evaluateApprovalGate } from '../../../src/stages/approvalGate.js';
import { commitLockToBranch } from '../../../src/stages/commitLock.js';
import { openPromotion } from '../../../src/stages/openPromotion.js';
import { commentLockOnPullRequest } from '../../../src/stages/prComment.js';
import { publishRelease } from '../../../src/stages/publishRelease.js';
import { portFor } from '../../doubles/github/connect.js';
import { startGitHubDouble, type GitHubDouble } from '../../doubles/github/server.js';
import { hex, makeLock, service } from '../../support/lockFixtures.js';

const lockPath = 'locks/current.lock.yaml';
const labels = { release: 'automation:release-bump', hotfix: 'automation:hotfix' };
const production = makeLock({ cart: service('cart'), catalog: service('catalog') });
const bytes = (lock: ReleaseLock) => Buffer.from(serializeLock(lock));

/** A lock generated for `commit` (the PR head), with catalog moved on and search added. */
function lockFor(commit: string, seed = 'next', pullRequest?: number): ReleaseLock {
  return makeLock(
    { cart: service('cart'), catalog: service('catalog', { digest: `sha256:${hex(`catalog-${seed}`, 64)}` }), search: service('search') },
    { source: { repository: 'acme/orchestrator', ref: 'refs/heads/dev', commit, ...(pullRequest ? { pullRequest } : {}) } },
  );
}

const doubles: GitHubDouble[] = [];
async function double(): Promise<{ gh: GitHubDouble; github: GitHubPort; notices: string[] }> {
  const gh = await startGitHubDouble();
  doubles.push(gh);
  const notices: string[] = [];
  gh.commit('main', { [lockPath]: bytes(production), 'README.md': 'orchestrator' }, { message: 'release v1.0.0' });
  gh.commit('staging', { [lockPath]: bytes(production) }, { from: 'main', message: 'staging = production' });
  gh.commit('dev', { 'services/catalog.gitlink': 'catalog moved' }, { from: 'staging' });
  return { gh, github: portFor(gh, { notices }), notices };
}

afterEach(() => {
  for (const gh of doubles) assert.deepEqual(gh.violations, [], 'every request and response matched the OpenAPI description');
});
after(async () => {
  await Promise.all(doubles.map((gh) => gh.stop()));
});

function isConflict(error: unknown): boolean {
  assert.ok(error instanceof LockstepError, String(error));
  assert.equal(error.code, 'CONFLICT');
  assert.equal(error.exitCode, 3);
  return true;
}

describe('pr comment against the OpenAPI-validated GitHub double', () => {
  it('creates one sticky comment, leaves it alone on rerun and edits it in place for a new lock', async () => {
    const { gh, github } = await double();
    const pr = gh.openPullRequest({ head: 'dev', base: 'staging', author: 'alice' });
    gh.addComment(pr, 'bob', 'looks good, waiting for the lock');
    const first = lockFor(gh.head('dev'));

    const created = await commentLockOnPullRequest({ pullRequest: pr, lock: first, lockPath }, { github });
    assert.equal(created.action, 'created');
    assert.equal(created.baseRef, 'staging');
    const writesAfterCreate = gh.writes().length;

    const rerun = await commentLockOnPullRequest({ pullRequest: pr, lock: first, lockPath }, { github });
    assert.equal(rerun.action, 'unchanged');
    assert.equal(rerun.commentId, created.commentId);
    assert.equal(gh.writes().length, writesAfterCreate, 'a rerun with the same lock writes nothing');

    gh.commit('dev', { 'services/search.gitlink': 'search moved' });
    const second = lockFor(gh.head('dev'), 'again');
    const updated = await commentLockOnPullRequest({ pullRequest: pr, lock: second, lockPath }, { github });
    assert.equal(updated.action, 'updated');
    assert.equal(updated.commentId, created.commentId);

    const comments = [...gh.comments.values()].filter((comment) => comment.issue === pr);
    assert.equal(comments.length, 2, "one sticky comment next to bob's");
    const sticky = comments.find((comment) => isSticky(comment.body, 'lock-comment'))!;
    assert.match(sticky.body, new RegExp(`Release lock \`${lockId(second)}\``));
    assert.match(sticky.body, /Changes against `staging`/);
    assert.match(sticky.body, /\| catalog \| changed \|/, 'diffed against the lock committed on staging');
    assert.match(sticky.body, /\| search \| added \|/);
  });

  it('removes duplicates left by racing runs and appends the comment to the job summary', async () => {
    const { gh, github } = await double();
    const pr = gh.openPullRequest({ head: 'dev', base: 'staging', author: 'alice' });
    const lock = lockFor(gh.head('dev'));
    await commentLockOnPullRequest({ pullRequest: pr, lock, lockPath }, { github });
    const copy = gh.addComment(pr, 'github-actions[bot]', [...gh.comments.values()].find((c) => c.issue === pr)!.body);
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-summary-'));
    try {
      const summary = join(dir, 'summary.md');
      const result = await commentLockOnPullRequest({ pullRequest: pr, lock, lockPath, stepSummaryFile: summary }, { github });
      assert.deepEqual(result.removedDuplicates, [copy]);
      assert.equal([...gh.comments.values()].filter((comment) => isSticky(comment.body, 'lock-comment')).length, 1);
      assert.equal(await readFile(summary, 'utf8'), `${result.body}\n`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('calls a lock the first one when the target branch has none', async () => {
    const { gh, github } = await double();
    gh.commit('staging', { [lockPath]: null });
    const pr = gh.openPullRequest({ head: 'dev', base: 'staging', author: 'alice' });
    const result = await commentLockOnPullRequest({ pullRequest: pr, lock: lockFor(gh.head('dev')), lockPath }, { github });
    assert.match(result.body, /`staging` has no lock yet/);
    assert.match(result.body, /0 changed, 3 added/);
  });
});

describe('pr commit-lock against the OpenAPI-validated GitHub double', () => {
  it('commits the lock on the merge commit with the conventional message, and a rerun changes nothing', async () => {
    const { gh, github } = await double();
    const pr = gh.openPullRequest({ head: 'dev', base: 'staging', author: 'alice' });
    const lock = lockFor(gh.head('dev'), 'next', pr);
    const mergeCommit = gh.merge(pr);

    const result = await commitLockToBranch({ branch: 'staging', lock, lockPath, pullRequest: pr, expectedHead: mergeCommit, force: false }, { github });
    assert.equal(result.action, 'committed');
    assert.equal(result.previousHead, mergeCommit);
    assert.equal(result.message, `chore(lock): ${lockId(lock)} from #${pr}`);
    assert.equal(gh.head('staging'), result.commit);
    const commit = gh.git.commits.get(result.commit)!;
    assert.deepEqual(commit.parents, [mergeCommit]);
    assert.equal(commit.message, result.message);
    assert.deepEqual(gh.fileAt('staging', lockPath), bytes(lock));
    assert.equal(gh.fileAt('staging', 'services/catalog.gitlink')?.toString(), 'catalog moved', 'the rest of the tree is kept');

    const writes = gh.writes().length;
    const rerun = await commitLockToBranch({ branch: 'staging', lock, lockPath, pullRequest: pr, expectedHead: mergeCommit, force: false }, { github });
    assert.equal(rerun.action, 'unchanged');
    assert.equal(gh.head('staging'), result.commit);
    assert.equal(gh.writes().length, writes);
  });

  it('ends the lock commit chain: the lock regenerated on its own lock commit is not committed again', async () => {
    const { gh, github } = await double();
    const first = lockFor(gh.head('dev'), 'next', 7);
    const committed = await commitLockToBranch({ branch: 'dev', lock: first, lockPath, pullRequest: 7, force: false }, { github });
    assert.equal(committed.action, 'committed');
    // pr-check again on the lock commit: the same services, generated later, with the lock commit as source.
    const regenerated = makeLock({ ...first.services }, { source: { ...first.source, commit: committed.commit }, createdAt: '2026-11-30T08:00:00Z' });
    const rerun = await commitLockToBranch({ branch: 'dev', lock: regenerated, lockPath, pullRequest: 7, force: false }, { github });
    assert.equal(rerun.action, 'unchanged');
    assert.equal(gh.head('dev'), committed.commit);
    // A service that moved on the lock commit's head is a change, whatever the source commit.
    const moved = makeLock({ ...first.services, cart: service('cart', { digest: `sha256:${hex('cart-moved', 64)}` }) }, { source: { ...first.source, commit: committed.commit } });
    assert.equal((await commitLockToBranch({ branch: 'dev', lock: moved, lockPath, pullRequest: 7, force: false }, { github })).action, 'committed');
  });

  it('refuses when the branch moved past the expected head, and commits on top with --force', async () => {
    const { gh, github } = await double();
    const pr = gh.openPullRequest({ head: 'dev', base: 'staging', author: 'alice' });
    const lock = lockFor(gh.head('dev'));
    const mergeCommit = gh.merge(pr);
    const other = gh.commit('staging', { 'services/cart.gitlink': 'someone else merged' });

    await assert.rejects(commitLockToBranch({ branch: 'staging', lock, lockPath, expectedHead: mergeCommit, force: false }, { github }), (error: unknown) => {
      isConflict(error);
      assert.match((error as Error).message, new RegExp(`staging moved: it points at ${other.slice(0, 7)}, not --expected-head ${mergeCommit.slice(0, 7)}`));
      return true;
    });
    assert.equal(gh.head('staging'), other, 'nothing was committed');

    const forced = await commitLockToBranch({ branch: 'staging', lock, lockPath, expectedHead: mergeCommit, force: true }, { github });
    assert.equal(forced.forced, true);
    assert.deepEqual(gh.git.commits.get(gh.head('staging'))!.parents, [other]);
  });

  it("compares against the lock's source commit when no expected head is given", async () => {
    const { gh, github } = await double();
    const lock = lockFor(gh.head('staging'));
    const result = await commitLockToBranch({ branch: 'staging', lock, lockPath, force: false }, { github });
    assert.equal(result.action, 'committed');
    const stale = lockFor(hex('elsewhere', 40), 'other');
    await assert.rejects(commitLockToBranch({ branch: 'staging', lock: stale, lockPath, force: false }, { github }), (error: unknown) => {
      isConflict(error);
      assert.match((error as Error).message, /not the lock's source commit/);
      return true;
    });
  });

  it('refuses, without overwriting, a push that lands between its check and its ref update', async () => {
    const { gh, github } = await double();
    const head = gh.head('staging');
    const lock = lockFor(head);
    let racer = '';
    gh.beforeNext('git/update-ref', () => {
      racer = gh.commit('staging', { 'services/cart.gitlink': 'racing push' });
    });
    await assert.rejects(commitLockToBranch({ branch: 'staging', lock, lockPath, force: false }, { github }), (error: unknown) => {
      isConflict(error);
      assert.match((error as Error).message, /moved while committing/);
      return true;
    });
    assert.equal(gh.head('staging'), racer, "the racing push is kept: the update was not a fast-forward");
  });
});

describe('pr open-promotion against the OpenAPI-validated GitHub double', () => {
  async function stagingWith(gh: GitHubDouble, lock: ReleaseLock): Promise<void> {
    gh.commit('staging', { [lockPath]: bytes(lock) }, { message: `chore(lock): ${lockId(lock)}` });
  }

  it('opens one labelled promotion, reruns without change, and updates the same pull request for a new lock', async () => {
    const { gh, github } = await double();
    const lock = lockFor(gh.head('dev'));
    await stagingWith(gh, lock);
    const input = { from: 'staging', to: 'main', lock, lockPath, labels, e2eSummary: '**E2E**: 12 passed', runUrls: [{ name: 'staging run', url: 'https://ci.example/runs/1' }] };

    const opened = await openPromotion(input, { github });
    assert.equal(opened.action, 'created');
    assert.deepEqual(opened.labelsCreated, ['automation:release-bump']);
    const pull = gh.pulls.get(opened.number)!;
    assert.deepEqual([pull.headRef, pull.baseRef, pull.labels], ['staging', 'main', ['automation:release-bump']]);
    assert.equal(readLockMarker(pull.body), lock.integrity);
    assert.match(pull.body, /12 passed/);
    assert.match(pull.body, /\| catalog \| changed \|/, 'diffed against the lock on main');

    const writes = gh.writes().length;
    const rerun = await openPromotion(input, { github });
    assert.deepEqual([rerun.action, rerun.number, rerun.labelsCreated], ['unchanged', opened.number, []]);
    assert.equal(gh.writes().length, writes);

    const next = lockFor(gh.head('dev'), 'third');
    await stagingWith(gh, next);
    const updated = await openPromotion({ ...input, lock: next }, { github });
    assert.deepEqual([updated.action, updated.number], ['updated', opened.number]);
    assert.equal(readLockMarker(gh.pulls.get(opened.number)!.body), next.integrity);
    assert.equal([...gh.pulls.values()].filter((item) => item.state === 'open' && item.baseRef === 'main').length, 1);
  });

  it('labels a hotfix lock as a hotfix, swapping the release label', async () => {
    const { gh, github } = await double();
    const lock = lockFor(gh.head('dev'));
    await stagingWith(gh, lock);
    const opened = await openPromotion({ from: 'staging', to: 'main', lock, lockPath, labels, runUrls: [] }, { github });
    const hotfix = makeLock(lock.services, { source: lock.source, hotfix: { baseIntegrity: production.integrity, services: ['catalog'] } });
    await stagingWith(gh, hotfix);
    const result = await openPromotion({ from: 'staging', to: 'main', lock: hotfix, lockPath, labels, runUrls: [] }, { github });
    assert.equal(result.number, opened.number);
    assert.equal(result.label, 'automation:hotfix');
    assert.deepEqual(gh.pulls.get(opened.number)!.labels, ['automation:hotfix']);
    assert.match(gh.pulls.get(opened.number)!.title, /^Hotfix staging → main/);
  });

  it('refuses to promote a lock the source branch does not carry', async () => {
    const { gh, github } = await double();
    const lock = lockFor(gh.head('dev'));
    await assert.rejects(openPromotion({ from: 'staging', to: 'main', lock, lockPath, labels, runUrls: [] }, { github }), (error: unknown) => {
      isConflict(error);
      assert.match((error as Error).message, new RegExp(`staging carries lock ${lockId(production)} .* not lock ${lockId(lock)}`));
      return true;
    });
    assert.equal(gh.pulls.size, 0);
  });
});

describe('gate approvals against the OpenAPI-validated GitHub double', () => {
  async function promotion(gh: GitHubDouble, github: GitHubPort) {
    const lock = lockFor(gh.head('dev'));
    gh.commit('staging', { [lockPath]: bytes(lock) });
    const { number } = await openPromotion({ from: 'staging', to: 'main', lock, lockPath, labels, runUrls: [] }, { github });
    // The promotion is opened by the bot; the author who matters for self-approval is the PR's user.
    gh.pulls.get(number)!.user = gh.user('alice');
    return { lock, number };
  }

  it('passes with four distinct current approvals and refuses self, stale and dismissed ones', async () => {
    const { gh, github } = await double();
    const { number } = await promotion(gh, github);
    gh.review(number, 'alice', 'APPROVED');
    gh.review(number, 'bob', 'APPROVED');
    const early = gh.review(number, 'carol', 'APPROVED');
    gh.review(number, 'dave', 'APPROVED');
    gh.dismiss(early);
    // A later push to staging makes every earlier approval stale.
    const staleHead = gh.head('staging');
    gh.review(number, 'erin', 'APPROVED', staleHead);
    gh.commit('staging', { 'docs/notes.md': 'late change' });
    gh.review(number, 'frank', 'APPROVED');
    gh.review(number, 'grace', 'APPROVED');

    const refused = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath }, { github });
    assert.equal(refused.passed, false);
    assert.equal(refused.approvals.approvals, 2);
    const why = Object.fromEntries(refused.approvals.reviewers.map((entry) => [entry.reviewer, entry.reason]));
    assert.match(why.alice!, /author/);
    assert.match(why.bob!, /stale/);
    assert.match(why.carol!, /dismissed/);
    assert.match(why.erin!, /stale/);
    assert.equal(refused.lock.ok, true);

    gh.grant('ivan', 'read');
    gh.review(number, 'ivan', 'APPROVED');
    gh.review(number, 'dependabot[bot]', 'APPROVED');
    const outsiders = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath }, { github });
    assert.equal(outsiders.approvals.approvals, 2);
    const reasons = Object.fromEntries(outsiders.approvals.reviewers.map((entry) => [entry.reviewer, entry.reason]));
    assert.match(reasons.ivan!, /no write access/);
    assert.match(reasons['dependabot[bot]']!, /bot/);

    gh.review(number, 'bob', 'APPROVED');
    gh.review(number, 'heidi', 'APPROVED');
    const passed = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath }, { github });
    assert.equal(passed.approvals.approvals, 4);
    assert.equal(passed.passed, true);
  });

  it('checks that the lock on main is byte-identical to the one the promotion carried', async () => {
    const { gh, github } = await double();
    const { number, lock } = await promotion(gh, github);
    for (const reviewer of ['bob', 'carol', 'dave', 'erin']) gh.review(number, reviewer, 'APPROVED');
    const early = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath, deploying: { branch: 'main', commit: gh.head('main') } }, { github });
    assert.equal(early.passed, false);
    assert.match(early.pullRequestProblems.join('\n'), /is open without being merged/);
    const mergeCommit = gh.merge(number);
    const merged = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath, deploying: { branch: 'main', commit: mergeCommit } }, { github });
    assert.deepEqual(merged.pullRequestProblems, []);
    assert.equal(merged.passed, true);
    const elsewhere = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath, deploying: { branch: 'production', commit: gh.head('staging') } }, { github });
    assert.match(elsewhere.pullRequestProblems.join('\n'), /targets main, not the production branch production/);
    assert.match(elsewhere.pullRequestProblems.join('\n'), /the commit being deployed is/);
    const onMain = classifyLockBytes('main:locks/current.lock.yaml', gh.fileAt('main', lockPath)!);
    const ok = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath, targetLock: onMain }, { github });
    assert.equal(ok.passed, true, ok.lock.problems.join('\n'));
    assert.equal(ok.lock.integrity, lock.integrity);

    const reformatted = classifyLockBytes('main:locks/current.lock.yaml', Buffer.from(`# edited on main\n${serializeLock(lock)}`));
    const refused = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath, targetLock: reformatted }, { github });
    assert.equal(refused.passed, false);
    assert.deepEqual(refused.lock.problems, [`main:locks/current.lock.yaml is not byte-identical to ${lockPath}@${gh.pulls.get(number)!.headSha}`]);

    const swapped = classifyLockBytes('main:locks/current.lock.yaml', bytes(production));
    const wrong = await evaluateApprovalGate({ pullRequest: number, required: 4, lockPath, targetLock: swapped }, { github });
    assert.match(wrong.lock.problems.join('\n'), /has integrity .* the pull request was opened for/);
  });

  it('refuses a promotion whose body lost its lock marker', async () => {
    const { gh, github } = await double();
    const { number } = await promotion(gh, github);
    gh.pulls.get(number)!.body = 'edited by hand';
    const result = await evaluateApprovalGate({ pullRequest: number, required: 0 + 1, lockPath }, { github });
    assert.equal(result.passed, false);
    assert.match(result.lock.problems[0]!, /no lockstep lock marker/);
  });
});

describe('release publish against the OpenAPI-validated GitHub double', () => {
  const v = (text: string) => parseReleaseVersion(text)!;

  it('tags, publishes notes with the lock and attaches it once; a rerun converges without writes', async () => {
    const { gh, github } = await double();
    const input = { version: v('v1.0.0'), lock: production, branch: 'main', lockPath, archiveDir: 'locks/releases' };
    const first = await publishRelease(input, { github });
    assert.deepEqual([first.tagAction, first.releaseAction, first.assetAction, first.previous], ['created', 'created', 'uploaded', null]);
    assert.equal(first.commit, gh.head('main'));
    assert.equal(gh.git.refs.get('tags/v1.0.0'), gh.head('main'));
    const release = gh.releases.find((item) => item.tag === 'v1.0.0')!;
    assert.match(release.body ?? '', /First release/);
    assert.equal(readLockMarker(release.body ?? ''), production.integrity);
    assert.deepEqual(release.assets.map((asset) => [asset.name, asset.data.toString()]), [['v1.0.0.lock.yaml', serializeLock(production)]]);

    const writes = gh.writes().length;
    const rerun = await publishRelease(input, { github });
    assert.deepEqual([rerun.tagAction, rerun.releaseAction, rerun.assetAction], ['exists', 'unchanged', 'unchanged']);
    assert.equal(gh.writes().length, writes);
    assert.equal(release.assets.length, 1);
  });

  it('diffs against the previous release asset, and replaces a wrong asset instead of duplicating it', async () => {
    const { gh, github } = await double();
    gh.seedRelease({ tag: 'v1.0.0', commit: gh.head('main'), assets: { 'v1.0.0.lock.yaml': bytes(production) } });
    const next = lockFor(gh.head('dev'));
    gh.commit('main', { [lockPath]: bytes(next) });
    const input = { version: v('v1.1.0'), lock: next, branch: 'main', lockPath, archiveDir: 'locks/releases' };
    const result = await publishRelease(input, { github });
    assert.equal(result.previous, 'v1.0.0');
    const release = gh.releases.find((item) => item.tag === 'v1.1.0')!;
    assert.match(release.body ?? '', /Changes since v1\.0\.0/);
    assert.match(release.body ?? '', /1 changed, 1 added, 0 removed, 1 unchanged/);

    release.assets[0]!.data = Buffer.from('truncated upload');
    const repaired = await publishRelease(input, { github });
    assert.equal(repaired.assetAction, 'replaced');
    assert.deepEqual(release.assets.map((asset) => asset.data.toString()), [serializeLock(next)]);
  });

  it('falls back to the archived lock of the previous release when it has no asset', async () => {
    const { gh, github } = await double();
    gh.commit('main', { 'locks/releases/v1.0.0.lock.yaml': bytes(production) });
    gh.seedRelease({ tag: 'v1.0.0', commit: gh.head('main') });
    const next = lockFor(gh.head('dev'));
    gh.commit('main', { [lockPath]: bytes(next) });
    await publishRelease({ version: v('v1.1.0'), lock: next, branch: 'main', lockPath, archiveDir: 'locks/releases' }, { github });
    const body = gh.releases.find((item) => item.tag === 'v1.1.0')!.body ?? '';
    assert.match(body, /Compared with `locks\/releases\/v1\.0\.0\.lock\.yaml@v1\.0\.0`/);
    assert.match(body, /\| catalog \| changed \|/);
  });

  it('refuses a tag that points at another commit, and a commit carrying another lock', async () => {
    const { gh, github } = await double();
    const old = gh.head('main');
    gh.git.annotatedTag('v1.0.0', old, 'v1.0.0');
    const moved = gh.commit('main', { 'README.md': 'changed' });
    const input = { version: v('v1.0.0'), lock: production, branch: 'main', lockPath, archiveDir: 'locks/releases' };
    await assert.rejects(publishRelease(input, { github }), (error: unknown) => {
      isConflict(error);
      assert.match((error as Error).message, new RegExp(`tag v1\\.0\\.0 already points at ${old.slice(0, 7)}, not ${moved.slice(0, 7)}`));
      return true;
    });
    const converged = await publishRelease({ ...input, target: old }, { github });
    assert.equal(converged.tagAction, 'exists', 'an annotated tag at the same commit is accepted');

    await assert.rejects(publishRelease({ ...input, version: v('v1.1.0'), lock: lockFor(moved) }, { github }), (error: unknown) => {
      isConflict(error);
      assert.match((error as Error).message, /refusing to release v1\.1\.0 with another lock/);
      return true;
    });
    assert.equal(gh.git.refs.has('tags/v1.1.0'), false);
  });
});
