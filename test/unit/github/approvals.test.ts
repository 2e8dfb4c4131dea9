import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { approvalTable, evaluateApprovals } from '../../../src/github/approvals.js';
import type { ReviewInfo, ReviewState } from '../../../src/github/port.js';
import { hex } from '../../support/lockFixtures.js';

const head = hex('head', 40);
const older = hex('older', 40);
let nextId = 1;

function review(reviewer: string | null, state: ReviewState, commitId: string | null = head, minute = nextId): ReviewInfo {
  nextId += 1;
  return { id: nextId, reviewer, state, commitId, submittedAt: `2026-11-01T10:${String(minute).padStart(2, '0')}:00Z` };
}

function evaluate(reviews: ReviewInfo[], required = 4) {
  return evaluateApprovals({ author: 'alice', headSha: head, required, reviews });
}

function verdict(result: ReturnType<typeof evaluate>, reviewer: string) {
  const found = result.reviewers.find((entry) => entry.reviewer.toLowerCase() === reviewer.toLowerCase());
  assert.ok(found, `no verdict for ${reviewer}`);
  return found;
}

describe('approval evaluation', () => {
  it('passes with exactly the required number of distinct approvals on the head commit', () => {
    const result = evaluate(['bob', 'carol', 'dave', 'erin'].map((name) => review(name, 'APPROVED')));
    assert.equal(result.approvals, 4);
    assert.equal(result.passed, true);
  });

  it('refuses three approvals when four are required, and counts one person once however often they approve', () => {
    const result = evaluate([review('bob', 'APPROVED'), review('bob', 'APPROVED'), review('BOB', 'APPROVED'), review('carol', 'APPROVED'), review('dave', 'APPROVED')]);
    assert.equal(result.approvals, 3);
    assert.equal(result.passed, false);
    assert.equal(result.reviewers.length, 3);
  });

  it("does not count the author's own approval", () => {
    const result = evaluate([review('Alice', 'APPROVED'), review('bob', 'APPROVED')], 1);
    assert.equal(result.approvals, 1);
    const self = verdict(result, 'alice');
    assert.equal(self.counts, false);
    assert.match(self.reason, /author/);
  });

  it('does not count a bot, known by its account type or its [bot] login', () => {
    const typed = { ...review('release-robot', 'APPROVED'), reviewerType: 'Bot' };
    const result = evaluate([typed, review('renovate[bot]', 'APPROVED'), review('bob', 'APPROVED')], 1);
    assert.equal(result.approvals, 1);
    for (const login of ['release-robot', 'renovate[bot]']) {
      assert.equal(verdict(result, login).counts, false);
      assert.match(verdict(result, login).reason, /bot/);
    }
  });

  it('does not count an approval from someone without write access', () => {
    const reviews = [review('bob', 'APPROVED'), review('Outsider', 'APPROVED')];
    const result = evaluateApprovals({ author: 'alice', headSha: head, required: 1, reviews, writers: new Set(['BOB']) });
    assert.equal(result.approvals, 1);
    assert.equal(verdict(result, 'outsider').counts, false);
    assert.match(verdict(result, 'outsider').reason, /no write access/);
  });

  it('treats an approval of an earlier head commit as stale', () => {
    const result = evaluate([review('bob', 'APPROVED', older), review('carol', 'APPROVED')], 2);
    assert.equal(result.approvals, 1);
    assert.match(verdict(result, 'bob').reason, new RegExp(`stale: approved ${older.slice(0, 7)}, head is ${head.slice(0, 7)}`));
    assert.equal(result.passed, false);
  });

  it('lets a later change request or a dismissal cancel an approval, but not a later plain comment', () => {
    const result = evaluate([
      review('bob', 'APPROVED', head, 1),
      review('bob', 'CHANGES_REQUESTED', head, 2),
      review('carol', 'DISMISSED', head, 3),
      review('dave', 'APPROVED', head, 4),
      review('dave', 'COMMENTED', head, 5),
      review('erin', 'CHANGES_REQUESTED', head, 6),
      review('erin', 'APPROVED', head, 7),
    ]);
    assert.equal(verdict(result, 'bob').counts, false);
    assert.equal(verdict(result, 'bob').state, 'CHANGES_REQUESTED');
    assert.equal(verdict(result, 'carol').counts, false);
    assert.match(verdict(result, 'carol').reason, /dismissed/);
    assert.equal(verdict(result, 'dave').counts, true);
    assert.equal(verdict(result, 'erin').counts, true);
    assert.equal(result.approvals, 2);
  });

  it('orders reviews by submission time, not by the order GitHub lists them', () => {
    const approval = review('bob', 'APPROVED', head, 10);
    const earlierRequest = review('bob', 'CHANGES_REQUESTED', head, 5);
    assert.equal(evaluate([approval, earlierRequest], 1).passed, true);
  });

  it('ignores pending reviews and deleted accounts, and says why commenters do not count', () => {
    const result = evaluate([review(null, 'APPROVED'), review('bob', 'PENDING'), review('carol', 'COMMENTED')], 1);
    assert.equal(result.approvals, 0);
    assert.deepEqual(result.reviewers.map((entry) => entry.reviewer), ['carol']);
    assert.match(verdict(result, 'carol').reason, /commented/);
  });

  it('renders one table row per reviewer with whether and why they count', () => {
    const table = approvalTable(evaluate([review('bob', 'APPROVED'), review('carol', 'APPROVED', older)], 1));
    assert.deepEqual(table.headers, ['reviewer', 'state', 'commit', 'counts', 'why']);
    assert.deepEqual(
      table.rows.map((row) => [row[0], row[3]]),
      [
        ['bob', 'yes'],
        ['carol', 'no'],
      ],
    );
  });
});
