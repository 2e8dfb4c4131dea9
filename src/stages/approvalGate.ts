import { evaluateApprovals, type ApprovalEvaluation } from '../github/approvals.js';
import { checkGatedPullRequest, type DeployedTarget } from '../github/gatedPullRequest.js';
import { readLockMarker } from '../github/markers.js';
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
  let marker: string | null;
  let markerProblem: string | undefined;
  try {
    marker = readLockMarker(pull.body);
  } catch (error) {
    marker = null;
    markerProblem = (error as Error).message;
  }
  const lock = checkPromotedLock({ marker, markerProblem, head, target: input.targetLock });
  const pullRequestProblems = input.deploying ? checkGatedPullRequest(pull, input.deploying) : [];
  deps.progress?.(`gate approvals: #${pull.number} has ${approvals.approvals} of ${input.required} approvals on ${pull.headSha.slice(0, 7)}`);
  return {
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
