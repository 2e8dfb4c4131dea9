import { shortCommit, type Table } from '../render/table.js';
import type { ReviewInfo, ReviewState } from './port.js';

export interface ApprovalInput {
  author: string;
  headSha: string;
  required: number;
  reviews: ReviewInfo[];
  /** Logins (any case) that have write access; when given, an approval from anyone else does not count. */
  writers?: ReadonlySet<string>;
}

export interface ReviewerVerdict {
  reviewer: string;
  /** The review that decides: the latest approval, change request or dismissal (else the latest comment). */
  state: ReviewState;
  commit: string | null;
  counts: boolean;
  reason: string;
}

export interface ApprovalEvaluation {
  required: number;
  approvals: number;
  passed: boolean;
  headSha: string;
  reviewers: ReviewerVerdict[];
}

/** Reviews that set a reviewer's stance; a plain comment after an approval leaves the approval standing. */
const decisive = new Set<ReviewState>(['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED']);

/** An app's account: GitHub types it `Bot`, and its login ends in `[bot]` (the type is missing in some payloads). */
function isBot(review: ReviewInfo): boolean {
  return review.reviewerType === 'Bot' || (review.reviewer ?? '').toLowerCase().endsWith('[bot]');
}

function chronological(a: ReviewInfo, b: ReviewInfo): number {
  const at = a.submittedAt ?? '';
  const bt = b.submittedAt ?? '';
  return at === bt ? a.id - b.id : at < bt ? -1 : 1;
}

/**
 * Counts the approvals that hold for the head commit: one per person (logins compare case-blind), the
 * author, bots and (when known) people without write access excluded, each person judged by their latest decisive review, which must approve exactly the
 * head commit: an approval of an earlier head is stale, whatever changed since.
 */
export function evaluateApprovals(input: ApprovalInput): ApprovalEvaluation {
  const latest = new Map<string, { login: string; bot: boolean; decisive?: ReviewInfo; last: ReviewInfo }>();
  for (const review of [...input.reviews].sort(chronological)) {
    // A pending review is a draft only its author sees; a deleted account ("ghost") is nobody.
    if (review.reviewer === null || review.state === 'PENDING') continue;
    const key = review.reviewer.toLowerCase();
    const entry = latest.get(key) ?? { login: review.reviewer, bot: isBot(review), last: review };
    entry.last = review;
    if (decisive.has(review.state)) entry.decisive = review;
    latest.set(key, entry);
  }
  const author = input.author.toLowerCase();
  const writers = new Set([...(input.writers ?? [])].map((login) => login.toLowerCase()));
  const reviewers = [...latest.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, entry]): ReviewerVerdict => {
      const review = entry.decisive ?? entry.last;
      const verdict = (counts: boolean, reason: string): ReviewerVerdict => ({
        reviewer: entry.login,
        state: review.state,
        commit: review.commitId,
        counts,
        reason,
      });
      if (key === author) return verdict(false, 'is the pull request author');
      if (entry.bot) return verdict(false, 'is a bot, not a person');
      if (!entry.decisive) return verdict(false, 'commented without approving');
      if (review.state === 'CHANGES_REQUESTED') return verdict(false, 'latest review requests changes');
      if (review.state === 'DISMISSED') return verdict(false, 'approval was dismissed');
      if (review.commitId !== input.headSha) {
        return verdict(false, `stale: approved ${review.commitId ? shortCommit(review.commitId) : 'an unknown commit'}, head is ${shortCommit(input.headSha)}`);
      }
      if (input.writers && !writers.has(key)) return verdict(false, 'has no write access to the repository');
      return verdict(true, 'approved the head commit');
    });
  const approvals = reviewers.filter((entry) => entry.counts).length;
  return { required: input.required, approvals, passed: approvals >= input.required, headSha: input.headSha, reviewers };
}

export function approvalTable(evaluation: ApprovalEvaluation): Table {
  return {
    headers: ['reviewer', 'state', 'commit', 'counts', 'why'],
    rows: evaluation.reviewers.map((entry) => [
      entry.reviewer,
      entry.state,
      entry.commit ? shortCommit(entry.commit) : '',
      entry.counts ? 'yes' : 'no',
      entry.reason,
    ]),
  };
}
