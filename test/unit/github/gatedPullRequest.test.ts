import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkGatedPullRequest } from '../../../src/github/gatedPullRequest.js';
import type { PullRequestInfo } from '../../../src/github/port.js';
import { hex } from '../../support/lockFixtures.js';

const deployed = hex('deployed', 40);
const target = { branch: 'main', commit: deployed };

function pull(overrides: Partial<PullRequestInfo>): PullRequestInfo {
  return {
    number: 7,
    state: 'closed',
    merged: true,
    mergeCommitSha: deployed,
    title: 'Promote staging to main',
    body: '',
    author: 'alice',
    headRef: 'staging',
    headSha: hex('head', 40),
    baseRef: 'main',
    baseSha: hex('base', 40),
    labels: [],
    url: 'https://github.invalid/o/r/pull/7',
    ...overrides,
  };
}

describe('the gated pull request is the merge being deployed', () => {
  it('accepts a pull request merged into the production branch as the deployed commit', () => {
    assert.deepEqual(checkGatedPullRequest(pull({}), target), []);
    assert.deepEqual(checkGatedPullRequest(pull({ mergeCommitSha: deployed.toUpperCase() }), target), []);
  });

  it('refuses an open pull request and one closed without merging', () => {
    assert.match(checkGatedPullRequest(pull({ state: 'open', merged: false, mergeCommitSha: null }), target).join('\n'), /#7 is open without being merged/);
    assert.match(checkGatedPullRequest(pull({ merged: false, mergeCommitSha: null }), target).join('\n'), /#7 is closed without being merged/);
  });

  it('refuses a pull request into another branch', () => {
    assert.match(checkGatedPullRequest(pull({ baseRef: 'staging' }), target).join('\n'), /targets staging, not the production branch main/);
  });

  it('refuses a merge whose commit is not the one being deployed', () => {
    const problems = checkGatedPullRequest(pull({ mergeCommitSha: hex('other', 40) }), target);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /the commit being deployed is/);
    assert.equal(checkGatedPullRequest(pull({ mergeCommitSha: null }), target).length, 1);
  });
});
