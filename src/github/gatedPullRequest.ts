import { shortCommit } from '../render/table.js';
import type { PullRequestInfo } from './port.js';

export interface DeployedTarget {
  /** The production branch the pull request must have merged into (the configured one, `main` by default). */
  branch: string;
  /** The commit being deployed: the pull request's merge commit must be exactly this one. */
  commit: string;
}

/**
 * Whether the pull request is the one that brought the deployed commit into production: merged, into
 * the production branch, with that commit as its merge commit. Any pull request number can be passed to
 * the gate by hand, so approvals on an open one, or on one into another branch, prove nothing.
 */
export function checkGatedPullRequest(pull: PullRequestInfo, target: DeployedTarget): string[] {
  const problems: string[] = [];
  if (!pull.merged) problems.push(`#${pull.number} is ${pull.state === 'open' ? 'open' : 'closed'} without being merged`);
  if (pull.baseRef !== target.branch) problems.push(`#${pull.number} targets ${pull.baseRef}, not the production branch ${target.branch}`);
  if (pull.merged && pull.mergeCommitSha?.toLowerCase() !== target.commit.toLowerCase()) {
    const merged = pull.mergeCommitSha ? shortCommit(pull.mergeCommitSha) : 'an unknown commit';
    problems.push(`#${pull.number} merged as ${merged}, but the commit being deployed is ${shortCommit(target.commit)}`);
  }
  return problems;
}
