import { evaluateApprovals, type ApprovalEvaluation } from '../github/approvals.js';
import { checkGatedPullRequest, type DeployedTarget } from '../github/gatedPullRequest.js';
import { lockCommentKey } from '../github/lockComment.js';
import { isSticky, readLockMarker } from '../github/markers.js';
import type { GitHubDeps } from '../github/port.js';
import { checkPromotedLock, type PromotedLockCheck } from '../github/promotedLock.js';
import { readRemoteLock, type RemoteLock } from '../github/remoteLock.js';

export interface ApprovalGateInput {
  pullRequest: number;
  required: number;
  lockPath: string;
  /** The lock file on the target branch (a checkout of main), read by the caller. */
  targetLock?: RemoteLock;
  /** The production branch and the commit being deployed; when given, the pull request must be the merge that made it. */
  deploying?: DeployedTarget;
}

export interface ApprovalGateResult {
  passed: boolean;
  pullRequest: number;
  url: string;
  author: string;
  headSha: string;
  approvals: ApprovalEvaluation;
  lock: PromotedLockCheck;
  /** Why the pull request is not the merge of the deployed commit into production; empty when it is. */
  pullRequestProblems: string[];
  /** Where the lock the pull request carries was recorded: its body (a promotion), lockstep's lock comment (a hotfix), or nowhere. */
  markerSource: 'body' | 'comment' | null;
}

function markerOf(body: string): { marker: string | null; problem?: string } {
  try {
    return { marker: readLockMarker(body) };
  } catch (error) {
    return { marker: null, problem: (error as Error).message };
  }
}

/**
 * The lock a pull request was made for. A promotion records it in the body lockstep wrote; a hotfix
 * pull request is opened by a person, so its lock is the one lockstep made and recorded in its own
 * sticky lock comment. Only comments by lockstep's own identity count: anyone may write a marker.
 */
async function promotedMarker(pullRequest: number, body: string, deps: GitHubDeps): Promise<{ marker: string | null; markerProblem?: string; markerSource: ApprovalGateResult['markerSource'] }> {
  const inBody = markerOf(body);
  if (inBody.problem) return { marker: null, markerProblem: inBody.problem, markerSource: null };
  if (inBody.marker !== null) return { marker: inBody.marker, markerSource: 'body' };
  const self = await deps.github.whoAmI();
  const own = (await deps.github.listIssueComments(pullRequest)).filter((comment) => comment.author === self && isSticky(comment.body, lockCommentKey));
  // The sticky comment is the first of lockstep's own, as `pr comment` keeps it (it deletes later duplicates).
  const sticky = own[0];
  if (!sticky) return { marker: null, markerSource: null };
  const inComment = markerOf(sticky.body);
  if (inComment.problem) return { marker: null, markerProblem: `lockstep's lock comment: ${inComment.problem}`, markerSource: null };
  return { marker: inComment.marker, markerSource: inComment.marker === null ? null : 'comment' };
}

/**
 * The production gate: enough current approvals from people other than the author, and the lock that
 * reaches the target branch is the very one the promotion was opened for. Returns the verdict with its
 * reasons; the caller decides how to fail.
 */
export async function evaluateApprovalGate(input: ApprovalGateInput, deps: GitHubDeps): Promise<ApprovalGateResult> {
  const { github } = deps;
  const pull = await github.getPullRequest(input.pullRequest);
  const reviews = await github.listReviews(pull.number);
  // Only approvers need a permission look-up: one request per person who approved, not per review.
  const approvers = new Map(reviews.filter((review) => review.state === 'APPROVED' && review.reviewer).map((review) => [review.reviewer!.toLowerCase(), review.reviewer!]));
  const writers = new Set<string>();
  for (const [key, login] of approvers) if (await github.hasWriteAccess(login)) writers.add(key);
  const approvals = evaluateApprovals({ author: pull.author, headSha: pull.headSha, required: input.required, reviews, writers });
  const head = await readRemoteLock(github, input.lockPath, pull.headSha);
  const { marker, markerProblem, markerSource } = await promotedMarker(pull.number, pull.body, deps);
  const lock = checkPromotedLock({ marker, markerProblem, head, target: input.targetLock });
  const pullRequestProblems = input.deploying ? checkGatedPullRequest(pull, input.deploying) : [];
  deps.progress?.(`gate approvals: #${pull.number} has ${approvals.approvals} of ${input.required} approvals on ${pull.headSha.slice(0, 7)}`);
  return {
    markerSource,
    passed: approvals.passed && lock.ok && pullRequestProblems.length === 0,
    pullRequest: pull.number,
    url: pull.url,
    author: pull.author,
    headSha: pull.headSha,
    approvals,
    lock,
    pullRequestProblems,
  };
}
