import { appendFile } from 'node:fs/promises';
import { isSticky } from '../github/markers.js';
import { lockCommentKey, renderLockComment } from '../github/lockComment.js';
import type { GitHubDeps } from '../github/port.js';
import { readRemoteLock, type RemoteLock } from '../github/remoteLock.js';
import { lockId } from '../lock/integrity.js';
import type { ReleaseLock } from '../lock/schema.js';

export interface PrCommentInput {
  pullRequest: number;
  lock: ReleaseLock;
  /** Where the current lock lives on each branch. */
  lockPath: string;
  /** Diff against this lock instead of the one on the target branch. */
  baseLock?: RemoteLock;
  /** `$GITHUB_STEP_SUMMARY`: the comment is appended there too. */
  stepSummaryFile?: string;
}

export interface PrCommentResult {
  action: 'created' | 'updated' | 'unchanged';
  pullRequest: number;
  commentId: number;
  url: string;
  lockId: string;
  baseRef: string;
  /** Older copies of the sticky comment that were deleted (left behind by racing runs). */
  removedDuplicates: number[];
  body: string;
}

/**
 * Posts the lock on its pull request as one sticky comment: found again by its marker and its author
 * (the token's own identity) and edited in place, so reruns and later pushes keep a single, current
 * comment.
 */
export async function commentLockOnPullRequest(input: PrCommentInput, deps: GitHubDeps): Promise<PrCommentResult> {
  const { github } = deps;
  const pull = await github.getPullRequest(input.pullRequest);
  const base = input.baseLock ?? (await readRemoteLock(github, input.lockPath, pull.baseRef));
  const body = renderLockComment({ lock: input.lock, baseRef: pull.baseRef, base });

  // Only lockstep's own comments are candidates: anyone can post a comment opening with the marker,
  // and editing or deleting theirs would let them steer what lockstep shows (or hide it).
  const self = await github.whoAmI();
  const sticky = (await github.listIssueComments(pull.number)).filter((comment) => comment.author === self && isSticky(comment.body, lockCommentKey));
  const [kept, ...duplicates] = sticky;
  let action: PrCommentResult['action'];
  let comment;
  if (!kept) {
    comment = await github.createIssueComment(pull.number, body);
    action = 'created';
  } else if (kept.body !== body) {
    comment = await github.updateIssueComment(kept.id, body);
    action = 'updated';
  } else {
    comment = kept;
    action = 'unchanged';
  }
  for (const duplicate of duplicates) await github.deleteIssueComment(duplicate.id);
  deps.progress?.(`pr comment: ${action} the lock comment on #${pull.number}${duplicates.length > 0 ? ` (removed ${duplicates.length} duplicate(s))` : ''}`);

  if (input.stepSummaryFile) await appendFile(input.stepSummaryFile, `${body}\n`);
  return {
    action,
    pullRequest: pull.number,
    commentId: comment.id,
    url: comment.url,
    lockId: lockId(input.lock),
    baseRef: pull.baseRef,
    removedDuplicates: duplicates.map((duplicate) => duplicate.id),
    body,
  };
}
