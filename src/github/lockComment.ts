import { diffLocks } from '../lock/diff.js';
import { lockId } from '../lock/integrity.js';
import { lockHeadlineMarkdown, renderDiffMarkdown, renderLockMarkdown } from '../lock/render.js';
import { markdownCode, markdownText } from '../render/escape.js';
import type { ReleaseLock } from '../lock/schema.js';
import { lockMarker, stickyMarker } from './markers.js';
import type { RemoteLock } from './remoteLock.js';

export const lockCommentKey = 'lock-comment';

export interface LockCommentInput {
  lock: ReleaseLock;
  /** The branch the pull request merges into. */
  baseRef: string;
  /** The lock now on that branch (or given with --base-lock). */
  base: RemoteLock;
}

/** The sticky pull-request comment: the lock as a table and what it changes on the target branch. */
export function renderLockComment({ lock, baseRef, base }: LockCommentInput): string {
  const ref = markdownCode(baseRef);
  const lines = [stickyMarker(lockCommentKey), `### Release lock \`${lockId(lock)}\``, '', lockHeadlineMarkdown(lock), ''];
  if (lock.hotfix) {
    lines.push(`**Hotfix** re-resolving ${lock.hotfix.services.map((name) => `\`${name}\``).join(', ')} on top of lock \`${lock.hotfix.baseIntegrity}\`.`, '');
  }
  lines.push(renderLockMarkdown(lock).trimEnd(), '', `#### Changes against ${ref}`, '');
  if (base.state === 'valid') {
    lines.push(base.lock.integrity === lock.integrity ? `_${ref} already carries this lock._` : renderDiffMarkdown(diffLocks(base.lock, lock)).trimEnd());
  } else {
    if (base.state === 'invalid') lines.push(`> **Warning:** ${markdownCode(base.label)} is not a valid lock (${markdownText(base.problem)}); it is ignored below.`, '');
    else lines.push(`_${ref} has no lock yet (${markdownCode(base.label)} is absent): this is the first one._`, '');
    lines.push(renderDiffMarkdown(diffLocks(null, lock)).trimEnd());
  }
  // The lock lockstep made for this pull request: the gate reads it when the body carries none (a hotfix opened by a person).
  lines.push('', '<sub>Kept up to date by lockstep: this comment is edited on every run, never duplicated.</sub>', lockMarker(lock.integrity), '');
  return lines.join('\n');
}
