import type { RemoteLock } from './remoteLock.js';

export interface PromotedLockInput {
  /** The integrity in the promotion pull request's marker; null when the body has none. */
  marker: string | null;
  /** Why the marker could not be read, when it was there but unusable. */
  markerProblem?: string;
  /** The lock file at the pull request head (what merging brings to the target branch). */
  head: RemoteLock;
  /** The lock file on the target branch, when the caller has it (--lock). */
  target?: RemoteLock;
}

export interface PromotedLockCheck {
  ok: boolean;
  integrity: string | null;
  problems: string[];
}

/**
 * Production must get the lock staging tested, byte for byte: the marker written when the promotion
 * was opened, the lock at the pull request head and the lock on the target branch must all agree.
 */
export function checkPromotedLock(input: PromotedLockInput): PromotedLockCheck {
  const problems: string[] = [];
  const { marker, head, target } = input;
  if (input.markerProblem) problems.push(input.markerProblem);
  else if (marker === null) {
    problems.push('the pull request body has no lockstep lock marker (was it opened by `lockstep pr open-promotion`?), and lockstep commented no lock on it (a hotfix: run the hotfix workflow)');
  }
  if (head.state === 'absent') problems.push(`the pull request carries no lock (${head.label} is absent)`);
  if (head.state === 'invalid') problems.push(`${head.label} is not a valid lock: ${head.problem}`);
  if (head.state === 'valid' && marker !== null && head.lock.integrity !== marker) {
    problems.push(`${head.label} has integrity ${head.lock.integrity}, the pull request was opened for ${marker}`);
  }
  if (target) {
    if (target.state === 'absent') problems.push(`${target.label} is absent`);
    if (target.state === 'invalid') problems.push(`${target.label} is not a valid lock: ${target.problem}`);
    if (target.state === 'valid') {
      if (marker !== null && target.lock.integrity !== marker) {
        problems.push(`${target.label} has integrity ${target.lock.integrity}, the pull request was opened for ${marker}`);
      }
      if (head.state !== 'absent' && !target.bytes.equals(head.bytes)) {
        problems.push(`${target.label} is not byte-identical to ${head.label}`);
      }
    }
  }
  return { ok: problems.length === 0, integrity: marker, problems };
}
