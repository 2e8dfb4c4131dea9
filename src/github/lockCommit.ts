import { lockId } from '../lock/integrity.js';
import type { ReleaseLock } from '../lock/schema.js';
import { shortCommit } from '../render/table.js';

export type LockCommitDecision =
  | { action: 'unchanged' }
  | { action: 'commit'; parent: string; forced: boolean }
  | { action: 'refuse'; reason: string };

export interface LockCommitState {
  branch: string;
  /** Where the branch points now. */
  head: string;
  /** Where it must point for the lock to describe it: --expected-head, else the lock's source commit. */
  expectedHead: string;
  expectedFrom: 'flag' | 'lock';
  /** The lock file committed at `head`, or null when there is none. */
  current: Buffer | null;
  next: Buffer;
  /** The committed lock is the next one but for createdAt: nothing to commit. */
  sameButCreatedAt?: boolean;
  force: boolean;
}

/**
 * Whether to commit the lock. Identical content (or a lock differing only in createdAt) comes first so a rerun after success is a no-op even
 * though our own commit moved the branch. Otherwise the branch must still be where the lock says
 * (nothing merged on top that the lock did not see), unless --force says commit on whatever is there.
 */
export function decideLockCommit(state: LockCommitState): LockCommitDecision {
  if (state.sameButCreatedAt || (state.current !== null && state.current.equals(state.next))) return { action: 'unchanged' };
  if (state.head === state.expectedHead) return { action: 'commit', parent: state.head, forced: false };
  if (state.force) return { action: 'commit', parent: state.head, forced: true };
  const expected = state.expectedFrom === 'flag' ? `--expected-head ${shortCommit(state.expectedHead)}` : `the lock's source commit ${shortCommit(state.expectedHead)}`;
  return {
    action: 'refuse',
    reason: `${state.branch} moved: it points at ${shortCommit(state.head)}, not ${expected}`,
  };
}

export function lockCommitMessage(lock: ReleaseLock, pullRequest: number | undefined): string {
  const pr = pullRequest ?? lock.source.pullRequest;
  return `chore(lock): ${lockId(lock)} from ${pr === undefined ? shortCommit(lock.source.commit) : `#${pr}`}`;
}
