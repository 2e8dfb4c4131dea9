import type { RemoteLock } from './remoteLock.js';

export type ArchiveCommitDecision = { action: 'unchanged' } | { action: 'commit' } | { action: 'refuse'; reason: string };

/**
 * Whether to commit an archived release to the production branch. The archive is append-only there
 * as on disk: the same lock already committed is a rerun's no-op; another lock under the version is
 * refused, never replaced.
 */
export function decideArchiveCommit(committed: RemoteLock, integrity: string): ArchiveCommitDecision {
  if (committed.state === 'absent') return { action: 'commit' };
  if (committed.state === 'valid' && committed.lock.integrity === integrity) return { action: 'unchanged' };
  const what = committed.state === 'valid' ? `lock ${committed.lock.integrity}` : `an invalid lock (${committed.problem})`;
  return { action: 'refuse', reason: `${committed.label} already holds ${what}, not ${integrity}` };
}

export function archiveCommitMessage(version: string): string {
  // [skip ci]: the archive commit deploys nothing, so it starts no production run.
  return `chore(release): archive ${version} [skip ci]`;
}
