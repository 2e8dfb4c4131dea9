import { LockstepError } from '../errors.js';
import { decideLockCommit, lockCommitMessage } from '../github/lockCommit.js';
import type { GitHubDeps } from '../github/port.js';
import { classifyLockBytes } from '../github/remoteLock.js';
import { diffLocks, sameButRegenerated } from '../lock/diff.js';
import { lockId } from '../lock/integrity.js';
import type { ReleaseLock } from '../lock/schema.js';
import { serializeLock } from '../lock/serialize.js';
import { shortCommit } from '../render/table.js';

export interface CommitLockInput {
  branch: string;
  lock: ReleaseLock;
  lockPath: string;
  pullRequest?: number;
  /** The commit the branch must still point at (the push that triggered the job); default: the lock's source commit. */
  expectedHead?: string;
  force: boolean;
}

export interface CommitLockResult {
  action: 'committed' | 'unchanged';
  branch: string;
  path: string;
  lockId: string;
  /** The branch head after the run. */
  commit: string;
  /** The branch head the run found. */
  previousHead: string;
  message: string | null;
  forced: boolean;
}

/**
 * Commits the lock to the branch as `lockPath`, through the git data API: the new commit's parent is
 * the head we checked, and the ref only moves if it is still there, so a push racing us is refused
 * instead of overwritten.
 */
export async function commitLockToBranch(input: CommitLockInput, deps: GitHubDeps): Promise<CommitLockResult> {
  const { github } = deps;
  const next = Buffer.from(serializeLock(input.lock), 'utf8');
  const head = await github.getBranchHead(input.branch);
  const current = await github.readFile(input.lockPath, head);
  // A regenerated lock differs from the committed one at least in createdAt; only that is no change.
  const committed = current ? classifyLockBytes(input.lockPath, current.content) : null;
  // The lock commit chain: the rerun on our own lock commit regenerates the lock with that commit as its
  // source; when nothing else changed, the committed lock still describes the head and the chain ends.
  const sameButCreatedAt =
    committed?.state === 'valid' && (diffLocks(committed.lock, input.lock).sameButCreatedAt || (input.lock.source.commit === head && sameButRegenerated(committed.lock, input.lock)));
  const decision = decideLockCommit({
    branch: input.branch,
    head,
    expectedHead: input.expectedHead ?? input.lock.source.commit,
    expectedFrom: input.expectedHead ? 'flag' : 'lock',
    current: current?.content ?? null,
    next,
    sameButCreatedAt,
    force: input.force,
  });
  const base = { branch: input.branch, path: input.lockPath, lockId: lockId(input.lock), previousHead: head };
  if (decision.action === 'unchanged') {
    deps.progress?.(`pr commit-lock: ${input.branch} already has lock ${base.lockId} in ${input.lockPath}; nothing to commit`);
    return { ...base, action: 'unchanged', commit: head, message: null, forced: false };
  }
  if (decision.action === 'refuse') {
    throw new LockstepError('CONFLICT', `refusing to commit lock ${base.lockId}: ${decision.reason}`, {
      details: ['the lock may not describe what is on the branch now'],
      hint: 'regenerate the lock for the new head, or pass --force to commit it on top anyway',
    });
  }
  const message = lockCommitMessage(input.lock, input.pullRequest);
  const outcome = await github.commitFile({ branch: input.branch, parent: decision.parent, path: input.lockPath, content: next, message });
  if ('moved' in outcome) {
    throw new LockstepError('CONFLICT', `refusing to commit lock ${base.lockId}: ${input.branch} moved while committing (it is no longer at ${shortCommit(head)})`, {
      hint: 'rerun: the branch is checked again (and --force commits on the new head)',
    });
  }
  deps.progress?.(`pr commit-lock: committed ${input.lockPath} to ${input.branch} as ${shortCommit(outcome.commit)}${decision.forced ? ' (forced)' : ''}`);
  return { ...base, action: 'committed', commit: outcome.commit, message, forced: decision.forced };
}
