import { diffLocks } from '../lock/diff.js';
import { lockHeadlineMarkdown, renderDiffMarkdown, renderLockMarkdown } from '../lock/render.js';
import type { ReleaseLock } from '../lock/schema.js';
import { lockMarker } from './markers.js';

export type PreviousReleaseLock =
  | { state: 'none' }
  | { state: 'found'; tag: string; lock: ReleaseLock; from: string }
  | { state: 'unavailable'; tag: string; problem: string };

/** The lock file attached to each release; the previous release's one is what the notes diff against. */
export function releaseAssetName(tag: string): string {
  return `${tag}.lock.yaml`;
}

export function renderReleaseNotes(tag: string, lock: ReleaseLock, previous: PreviousReleaseLock): string {
  const lines = [`## ${tag}`, '', lockHeadlineMarkdown(lock), '', '### Services', '', renderLockMarkdown(lock).trimEnd(), ''];
  if (previous.state === 'found') {
    lines.push(`### Changes since ${previous.tag}`, '', renderDiffMarkdown(diffLocks(previous.lock, lock)).trimEnd(), '', `<sub>Compared with ${previous.from}.</sub>`);
  } else if (previous.state === 'unavailable') {
    lines.push(`### Changes since ${previous.tag}`, '', `> **Warning:** the lock of ${previous.tag} could not be read (${previous.problem}); no diff is shown.`);
  } else {
    lines.push('### Changes', '', '_First release: every service is new._');
  }
  lines.push('', `<sub>Roll back to this release with \`lockstep rollback --env production --to ${tag}\`.</sub>`, lockMarker(lock.integrity), '');
  return lines.join('\n');
}
