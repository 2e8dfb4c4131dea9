import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { parseReleaseVersion } from '../../../src/environments/releases/version.js';
import { LockstepError } from '../../../src/errors.js';
import { createGitHubClient } from '../../../src/github/client.js';
import type { GitHubPort } from '../../../src/github/port.js';
import { serializeLock } from '../../../src/lock/serialize.js';
import { commitLockToBranch } from '../../../src/stages/commitLock.js';
import { openPromotion } from '../../../src/stages/openPromotion.js';
import { commentLockOnPullRequest } from '../../../src/stages/prComment.js';
import { publishRelease } from '../../../src/stages/publishRelease.js';
import { fastRequests, portFor } from '../../doubles/github/connect.js';
import { OpenApiContract } from '../../doubles/github/openapi.js';
import { startGitHubDouble, type GitHubDouble } from '../../doubles/github/server.js';
import { makeLock, service } from '../../support/lockFixtures.js';

const lockPath = 'locks/current.lock.yaml';
const lock = makeLock({ cart: service('cart'), catalog: service('catalog') });
const labels = { release: 'automation:release-bump', hotfix: 'automation:hotfix' };

const doubles: GitHubDouble[] = [];
async function double(options: Parameters<typeof portFor>[1] = {}): Promise<{ gh: GitHubDouble; github: GitHubPort; notices: string[] }> {
  const gh = await startGitHubDouble();
  doubles.push(gh);
  gh.commit('main', { 'README.md': 'orchestrator' });
  gh.commit('staging', { [lockPath]: serializeLock(lock) }, { from: 'main' });
  const notices: string[] = [];
  return { gh, github: portFor(gh, { notices, ...options }), notices };
}

afterEach(() => {
  for (const gh of doubles) assert.deepEqual(gh.violations, [], 'every request and response matched the OpenAPI description');
});
after(async () => {
  await Promise.all(doubles.map((gh) => gh.stop()));
});

function githubError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof LockstepError, String(error));
    assert.equal(error.code, 'GITHUB');
    assert.match(`${error.message}\n${error.hint ?? ''}`, pattern);
    return true;
  };
}

const attempts = (gh: GitHubDouble, operationId: string) => gh.requests.filter((request) => request.operationId === operationId).map((request) => request.status);

describe('retries and rate limits against the OpenAPI-validated GitHub double', () => {
  it('retries 500s and then succeeds', async () => {
    const { gh, github } = await double();
    const pr = gh.openPullRequest({ head: 'staging', base: 'main', author: 'alice' });
    gh.inject({ kind: 'status', status: 500 }, 2);
    const pull = await github.getPullRequest(pr);
    assert.equal(pull.number, pr);
    assert.deepEqual(attempts(gh, 'pulls/get'), [500, 500, 200]);
  });

  it('gives up after the configured retries with a message saying so', async () => {
    const { gh, github } = await double();
    const pr = gh.openPullRequest({ head: 'staging', base: 'main', author: 'alice' });
    gh.inject({ kind: 'status', status: 502 }, fastRequests.retries + 1);
    await assert.rejects(github.getPullRequest(pr), githubError(/reading pull request #1: GitHub failed \(502: Server Error\) and kept failing after retries/));
    assert.deepEqual(attempts(gh, 'pulls/get'), [502, 502, 502, 502]);
  });

  it('waits out a 403 secondary rate limit as retry-after asks, then writes once', async () => {
    const { gh, github, notices } = await double();
    const pr = gh.openPullRequest({ head: 'staging', base: 'main', author: 'alice' });
    gh.inject({ kind: 'secondary-rate-limit', retryAfterSeconds: 1, match: (method) => method === 'POST' });
    const started = Date.now();
    const result = await commentLockOnPullRequest({ pullRequest: pr, lock, lockPath }, { github });
    const waited = Date.now() - started;
    assert.equal(result.action, 'created');
    assert.ok(waited >= 1000, `waited ${waited} ms`);
    assert.deepEqual(attempts(gh, 'issues/create-comment'), [403, 201]);
    assert.equal(gh.comments.size, 1);
    assert.match(notices.join('\n'), /secondary rate limit on POST .*: waiting 1s \(retry 1 of 3\)/);
  });

  it('waits out a 429 until the rate limit resets, then succeeds', async () => {
    const { gh, github, notices } = await double();
    gh.inject({ kind: 'rate-limit-429', retryAfterSeconds: 1 });
    assert.equal(await github.getBranchHead('staging'), gh.head('staging'));
    assert.deepEqual(attempts(gh, 'git/get-ref'), [429, 200]);
    assert.match(notices.join('\n'), /GitHub rate limit on GET .*: waiting \ds/);
  });

  it('fails at once instead of waiting longer than the configured bound', async () => {
    const { gh, github, notices } = await double({ requests: { maxRateLimitWaitSeconds: 2 } });
    gh.inject({ kind: 'secondary-rate-limit', retryAfterSeconds: 600 });
    const started = Date.now();
    await assert.rejects(github.getBranchHead('staging'), githubError(/rate limit still refuses the request \(403/));
    assert.ok(Date.now() - started < 5000);
    assert.match(notices.join('\n'), /asks to wait 600s, over the 2s bound/);
  });
});

describe('reruns after a failure against the OpenAPI-validated GitHub double', () => {
  it('release publish fails after tagging, and the rerun finishes without a second tag or release', async () => {
    const { gh, github } = await double();
    gh.commit('main', { [lockPath]: serializeLock(lock) });
    const input = { version: parseReleaseVersion('v2.0.0')!, lock, branch: 'main', lockPath, archiveDir: 'locks/releases' };
    gh.inject({ kind: 'status', status: 503, match: (_method, operationId) => operationId === 'repos/create-release' }, fastRequests.retries + 1);
    await assert.rejects(publishRelease(input, { github }), githubError(/creating the release v2\.0\.0: GitHub failed \(503/));
    assert.equal(gh.git.refs.get('tags/v2.0.0'), gh.head('main'), 'the tag was made before the failure');
    assert.equal(gh.releases.length, 0);

    const rerun = await publishRelease(input, { github });
    assert.deepEqual([rerun.tagAction, rerun.releaseAction, rerun.assetAction], ['exists', 'created', 'uploaded']);
    assert.equal(gh.releases.length, 1);
    assert.equal(gh.releases[0]!.assets.length, 1);
  });

  it('open-promotion fails while labelling, and the rerun labels the same pull request', async () => {
    const { gh, github } = await double();
    gh.inject({ kind: 'status', status: 500, match: (_method, operationId) => operationId === 'issues/add-labels' }, fastRequests.retries + 1);
    await assert.rejects(openPromotion({ from: 'staging', to: 'main', lock, lockPath, labels, runUrls: [] }, { github }), githubError(/labelling #1/));
    assert.deepEqual(gh.pulls.get(1)!.labels, []);
    const rerun = await openPromotion({ from: 'staging', to: 'main', lock, lockPath, labels, runUrls: [] }, { github });
    assert.deepEqual([rerun.action, rerun.number], ['unchanged', 1]);
    assert.deepEqual(gh.pulls.get(1)!.labels, ['automation:release-bump']);
    assert.equal(gh.pulls.size, 1);
  });
});

describe('permissions against the OpenAPI-validated GitHub double', () => {
  it('names pull-requests: write when the token cannot open the promotion', async () => {
    const { gh, github } = await double();
    gh.permissions.pull_requests = 'read';
    await assert.rejects(
      openPromotion({ from: 'staging', to: 'main', lock, lockPath, labels, runUrls: [] }, { github }),
      githubError(/opening a pull request staging → main: permission denied on acme\/orchestrator \(403: Resource not accessible by integration\); the token needs `pull-requests: write`/),
    );
  });

  it('names issues: write for labels and comments, and contents: write for the lock commit', async () => {
    const { gh, github } = await double();
    gh.permissions.issues = 'read';
    await assert.rejects(
      openPromotion({ from: 'staging', to: 'main', lock, lockPath, labels, runUrls: [] }, { github }),
      githubError(/creating label automation:release-bump: permission denied .* needs `issues: write`/),
    );
    const pr = gh.openPullRequest({ head: 'staging', base: 'main', author: 'alice' });
    await assert.rejects(commentLockOnPullRequest({ pullRequest: pr, lock, lockPath }, { github }), githubError(/commenting on #1: .*`issues: write`/));
    gh.permissions.contents = 'read';
    const next = makeLock({ cart: service('cart', { tag: 'sha-next' }) }, { source: { ...lock.source, commit: gh.head('staging') } });
    await assert.rejects(commitLockToBranch({ branch: 'staging', lock: next, lockPath, force: false }, { github }), githubError(/`contents: write`/));
    assert.equal(gh.writes().filter((request) => request.status < 300).length, 0, 'nothing was written');
  });

  it('says the token was refused when it is wrong', async () => {
    const { github } = await double({ token: 'ghs_not_the_token' });
    await assert.rejects(github.getBranchHead('staging'), githubError(/GitHub refused the token \(401 Bad credentials\)/));
  });
});

describe('the OpenAPI-validated GitHub double itself', () => {
  it('refuses and records requests the real API would reject', async () => {
    const { gh } = await double();
    const pr = gh.openPullRequest({ head: 'staging', base: 'main', author: 'alice' });
    const client = createGitHubClient({ token: gh.token, apiUrl: gh.apiUrl, requests: fastRequests, userAgent: 'test' });
    const refused = async (route: string, parameters: Record<string, unknown>, problem: RegExp) => {
      await assert.rejects(client.request(route, { owner: gh.owner, repo: gh.repo, ...parameters }), (error: unknown) => (error as { status?: number }).status === 422);
      const violation = gh.violations.pop();
      assert.match(violation ?? '', problem);
    };
    await refused('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { issue_number: pr, since: 'yesterday' }, /query parameter since: must match format "date-time"/);
    await refused('GET /repos/{owner}/{repo}/pulls/{pull_number}', { pull_number: 'one' }, /path parameter pull_number: must be integer/);
    await refused('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { issue_number: pr }, /requires a request body|must have required property 'body'/);
    await refused('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { issue_number: pr, body: 'x', pull_number: pr }, /member pull_number is not documented/);
    await refused('PATCH /repos/{owner}/{repo}/git/refs/{ref}', { ref: 'heads/staging', sha: 42 }, /request body\/sha: must be string/);
    await refused('GET /repos/{owner}/{repo}/pulls', { state: 'merged' }, /query parameter state: must be equal to one of the allowed values/);
    assert.deepEqual(gh.violations, []);
  });

  it('flags responses that do not match the documented schema or status', () => {
    const contract = OpenApiContract.load();
    const getPull = contract.operationById('pulls/get');
    assert.match(contract.validateResponse(getPull, 200, { number: 'one' }).join('\n'), /200 response of pulls\/get/);
    assert.deepEqual(contract.validateResponse(contract.operationById('issues/create-comment'), 200, {}), ['status 200 is not documented for issues/create-comment']);
    assert.deepEqual(contract.validateResponse(getPull, 404, { message: 'Not Found' }), []);
  });
});
