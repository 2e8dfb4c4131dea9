import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { githubConfig } from '../../../src/config/github.js';
import { InputError, LockstepError } from '../../../src/errors.js';
import { acceptedPermissions, githubFailure } from '../../../src/github/failure.js';
import { decideLockCommit, lockCommitMessage } from '../../../src/github/lockCommit.js';
import { checkPromotedLock } from '../../../src/github/promotedLock.js';
import { classifyLockBytes } from '../../../src/github/remoteLock.js';
import { resolveApiUrl, resolveRepository } from '../../../src/github/settings.js';
import { parseReleaseVersion, previousRelease } from '../../../src/environments/releases/version.js';
import { lockId } from '../../../src/lock/integrity.js';
import { serializeLock } from '../../../src/lock/serialize.js';
import { hex, makeLock, service } from '../../support/lockFixtures.js';

const lock = makeLock({ cart: service('cart') });
const other = makeLock({ cart: service('cart', { tag: 'sha-other' }) });
const bytes = Buffer.from(serializeLock(lock));
const repository = { owner: 'acme', repo: 'orchestrator' };

describe('lock commit decision', () => {
  const base = { branch: 'staging', head: hex('h', 40), expectedHead: hex('h', 40), expectedFrom: 'flag' as const, current: null, next: bytes, force: false };

  it('does nothing when the branch already carries identical bytes, even after the branch moved', () => {
    assert.deepEqual(decideLockCommit({ ...base, head: hex('moved', 40), current: Buffer.from(bytes) }), { action: 'unchanged' });
  });
  it('commits on the expected head', () => {
    assert.deepEqual(decideLockCommit(base), { action: 'commit', parent: base.head, forced: false });
  });
  it('refuses a moved branch, naming both commits, unless forced', () => {
    const moved = decideLockCommit({ ...base, head: hex('moved', 40), current: Buffer.from('old') });
    assert.equal(moved.action, 'refuse');
    assert.match(moved.action === 'refuse' ? moved.reason : '', new RegExp(`points at ${hex('moved', 7)}, not --expected-head ${hex('h', 7)}`));
    const fromLock = decideLockCommit({ ...base, head: hex('moved', 40), expectedFrom: 'lock' });
    assert.match(fromLock.action === 'refuse' ? fromLock.reason : '', /the lock's source commit/);
    assert.deepEqual(decideLockCommit({ ...base, head: hex('moved', 40), force: true }), { action: 'commit', parent: hex('moved', 40), forced: true });
  });
  it('writes the conventional message naming the pull request, else the source commit', () => {
    assert.equal(lockCommitMessage(lock, 12), `chore(lock): ${lockId(lock)} from #12`);
    assert.equal(lockCommitMessage(lock, undefined), `chore(lock): ${lockId(lock)} from ${lock.source.commit.slice(0, 7)}`);
    const withPr = makeLock({ cart: service('cart') }, { source: { ...lock.source, pullRequest: 7 } });
    assert.equal(lockCommitMessage(withPr, undefined), `chore(lock): ${lockId(withPr)} from #7`);
  });
});

describe('promoted lock check', () => {
  const valid = (label: string, content = bytes) => classifyLockBytes(label, content);

  it('accepts the same lock in the marker, at the head and on the target branch', () => {
    const result = checkPromotedLock({ marker: lock.integrity, head: valid('head'), target: valid('main') });
    assert.deepEqual(result, { ok: true, integrity: lock.integrity, problems: [] });
  });
  it('refuses a head lock other than the one the promotion was opened for', () => {
    const result = checkPromotedLock({ marker: lock.integrity, head: valid('head', Buffer.from(serializeLock(other))) });
    assert.equal(result.ok, false);
    assert.match(result.problems.join('\n'), /head has integrity .* the pull request was opened for/);
  });
  it('refuses a target lock with the same integrity but different bytes', () => {
    const reformatted = Buffer.from(`# reformatted\n${serializeLock(lock)}`);
    const result = checkPromotedLock({ marker: lock.integrity, head: valid('head'), target: valid('main', reformatted) });
    assert.deepEqual(result.problems, ['main is not byte-identical to head']);
  });
  it('refuses a missing marker, a missing lock and a tampered one', () => {
    const tampered = Buffer.from(serializeLock(lock).replace('sha-', 'sha-x'));
    const result = checkPromotedLock({ marker: null, head: { state: 'absent', label: 'l@head' }, target: valid('main', tampered) });
    assert.equal(result.problems.length, 3);
    assert.match(result.problems[0]!, /no lockstep lock marker/);
    assert.match(result.problems[1]!, /carries no lock/);
    assert.match(result.problems[2]!, /main is not a valid lock/);
  });
});

describe('previous release', () => {
  // What publishRelease passes: drafts do not count as published.
  const publishedTag = (release: { tag: string; draft: boolean }) => (release.draft ? null : release.tag);
  it('picks the highest published version below the one being released', () => {
    const releases = ['v1.0.0', 'v1.2.0', 'v1.10.0', 'v2.0.0', 'v1.3.0-rc.1', 'not-a-version'].map((tag) => ({ tag, draft: false }));
    releases.push({ tag: 'v1.9.0', draft: true });
    assert.equal(previousRelease(releases, parseReleaseVersion('v1.10.1')!, publishedTag)?.tag, 'v1.10.0');
    assert.equal(previousRelease(releases, parseReleaseVersion('v1.3.0')!, publishedTag)?.tag, 'v1.3.0-rc.1');
    assert.equal(previousRelease(releases, parseReleaseVersion('v1.0.0')!, publishedTag), null);
  });
});

describe('GitHub failures', () => {
  const fail = (status: number | undefined, headers: Record<string, string> = {}, message = 'x', response = true) =>
    githubFailure(
      Object.assign(new Error(message), { status, response: response ? { headers, data: { message } } : undefined }),
      { action: 'commenting on #3', permission: 'issues: write' },
      repository,
    );

  it("names the permission GitHub's x-accepted-github-permissions header asks for", () => {
    assert.deepEqual(acceptedPermissions('contents=write; pull_requests=write,issues=read'), ['contents: write', 'pull-requests: write + issues: read']);
    const error = fail(403, { 'x-accepted-github-permissions': 'issues=write; pull_requests=write' }, 'Resource not accessible by integration');
    assert.ok(error instanceof LockstepError);
    assert.equal(error.code, 'GITHUB');
    assert.match(error.message, /commenting on #3: permission denied on acme\/orchestrator .* needs `issues: write` or `pull-requests: write`/);
  });
  it('falls back to the permission the call is known to need, for 403 and 404', () => {
    assert.match(fail(403).message, /needs `issues: write`/);
    assert.match(fail(404).message, /not found on acme\/orchestrator \(404\).*needs `issues: write`/);
  });
  it('tells rate limits, bad tokens, server errors and unreachable servers apart', () => {
    assert.match(fail(403, { 'x-ratelimit-remaining': '0' }, 'API rate limit exceeded').message, /rate limit still refuses/);
    assert.match(fail(401, {}, 'Bad credentials').message, /refused the token \(401 Bad credentials\)/);
    assert.match(fail(502, {}, 'Bad Gateway').message, /GitHub failed \(502: Bad Gateway\) and kept failing after retries/);
    assert.match(fail(500, {}, 'connect ECONNREFUSED 127.0.0.1:9', false).message, /could not be reached \(connect ECONNREFUSED/);
    assert.match(fail(422, {}, 'Validation Failed').message, /rejected the request \(422: Validation Failed\)/);
  });
});

describe('GitHub settings', () => {
  const defaults = githubConfig.parse({});

  it('has the documented defaults and refuses paths outside the repository', () => {
    assert.equal(defaults.lockPath, 'locks/current.lock.yaml');
    assert.deepEqual(defaults.labels, { release: 'automation:release-bump', hotfix: 'automation:hotfix' });
    assert.equal(defaults.requests.writeIntervalMs, 1000);
    assert.equal(githubConfig.safeParse({ lockPath: '../secrets.yaml' }).success, false);
    assert.equal(githubConfig.safeParse({ apiUrl: 'ftp://ghe.example' }).success, false);
  });

  it('takes the repository from the config, else GITHUB_REPOSITORY, and names the field when neither is set', () => {
    assert.deepEqual(resolveRepository({ ...defaults, repository: 'acme/orch' }, 'c.yaml', { GITHUB_REPOSITORY: 'other/repo' }), { owner: 'acme', repo: 'orch' });
    assert.deepEqual(resolveRepository(defaults, 'c.yaml', { GITHUB_REPOSITORY: 'other/repo' }), { owner: 'other', repo: 'repo' });
    assert.throws(() => resolveRepository(defaults, 'c.yaml', {}), (error: unknown) => error instanceof InputError && /^c\.yaml: github\.repository: is not set/.test(error.message));
    assert.throws(() => resolveRepository(defaults, 'c.yaml', { GITHUB_REPOSITORY: 'no-slash' }), InputError);
  });

  it('prefers --api-url, then GITHUB_API_URL, then the config, and refuses what is not an http(s) URL', () => {
    const config = { ...defaults, apiUrl: 'https://config.example/api/v3' };
    assert.equal(resolveApiUrl('https://flag.example/api/v3', config, { GITHUB_API_URL: 'https://env.example' }), 'https://flag.example/api/v3');
    assert.equal(resolveApiUrl(undefined, config, { GITHUB_API_URL: 'https://env.example' }), 'https://env.example');
    assert.equal(resolveApiUrl(undefined, config, {}), 'https://config.example/api/v3');
    assert.equal(resolveApiUrl(undefined, defaults, {}), undefined);
    assert.throws(() => resolveApiUrl('not a url', defaults, {}), (error: unknown) => error instanceof InputError && error.message.startsWith('--api-url: '));
    assert.throws(() => resolveApiUrl(undefined, defaults, { GITHUB_API_URL: 'file:///etc/passwd' }), /GITHUB_API_URL: must be an http\(s\) URL/);
  });
});
