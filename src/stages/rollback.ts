import { InputError, LockstepError } from '../errors.js';
import { listReleases, type SkippedRelease } from '../environments/releases/archive.js';
import type { ReleasedLock } from '../github/releasedLock.js';
import { lockId } from '../lock/integrity.js';
import { chooseRollback } from '../environments/releases/selectRelease.js';
import { deployLock, type DeployInput, type DeployResult } from './deploy.js';

export interface RollbackInput extends Omit<DeployInput, 'lock'> {
  releasesDir: string;
  /** A version to return to; by default the release before the one live. */
  to?: string;
  /**
   * The lock the release itself carries (its GitHub asset, or the file at its tag). The archive on
   * disk is only as trustworthy as whoever last wrote to it: the lock deployed must be the released
   * one. Undefined where no GitHub is reachable: the rollback then says it was not verified.
   */
  releasedLock?: (tag: string) => Promise<ReleasedLock>;
}

export interface RollbackResult {
  from: { version: string | null; integrity: string | null };
  to: { version: string; lockPath: string; integrity: string };
  deploy: DeployResult;
}

/**
 * Redeploys an archived release through the same path as any deploy (registry check, health gate,
 * lease, restore on failure): only digests move, nothing is rebuilt.
 */
export async function rollback(input: RollbackInput): Promise<RollbackResult> {
  const skipped: SkippedRelease[] = [];
  // The archive is read from disk and what runs from the target: neither waits for the other.
  const [archived, running] = await Promise.allSettled([
    listReleases(input.releasesDir, (entry) => {
      skipped.push(entry);
      input.progress(`warning: skipping archived release ${entry.version}: ${entry.problem}`);
    }),
    input.target.readLive(),
  ]);
  if (archived.status === 'rejected') throw archived.reason;
  const releases = archived.value;
  const unusable = skipped.find((entry) => entry.version === input.to);
  if (unusable) throw new InputError('--to', undefined, `the archived lock of ${unusable.version} cannot be used: ${unusable.problem}`);
  if (running.status === 'rejected') throw running.reason;
  const live = running.value;
  const choice = chooseRollback(releases, live.lockIntegrity, input.to);
  if (!choice.ok) {
    if (input.to !== undefined) throw new InputError('--to', undefined, choice.problem);
    throw new LockstepError('NOT_FOUND', `cannot roll back ${input.environment}: ${choice.problem}`);
  }
  const release = releases.find((candidate) => candidate.version === choice.release.version);
  if (!release) throw new LockstepError('NOT_FOUND', `cannot roll back ${input.environment}: release ${choice.release.version} is no longer archived`);
  input.progress(`rolling ${input.environment} back to ${release.version}${choice.live ? ` (live: ${choice.live.version})` : ''}`);
  await verifyAgainstRelease(input, release.version, release.lock.integrity, release.file);
  const deploy = await deployLock({ ...input, lock: release.lock });
  return {
    from: { version: choice.live?.version ?? null, integrity: live.lockIntegrity },
    to: { version: release.version, lockPath: release.file, integrity: release.integrity },
    deploy,
  };
}

async function verifyAgainstRelease(input: RollbackInput, tag: string, integrity: string, file: string): Promise<void> {
  if (!input.releasedLock) {
    input.progress(`warning: ${file} was not checked against release ${tag} (no GitHub token): it is deployed as archived`);
    return;
  }
  const released = await input.releasedLock(tag);
  if (released.state === 'unreleased') {
    // A version archived but never tagged or released has no other copy to compare with.
    input.progress(`warning: ${tag} has no GitHub release or tag: ${file} is deployed as archived`);
    return;
  }
  if (released.state !== 'found') {
    throw new LockstepError('PROVENANCE', `refusing to roll back to ${tag}: the release's own lock cannot be read (${released.problem})`, {
      hint: `the archived ${file} is deployed only when it matches the lock of release ${tag}`,
    });
  }
  if (released.lock.integrity !== integrity) {
    throw new LockstepError('PROVENANCE', `refusing to roll back to ${tag}: ${file} is lock ${lockId({ integrity })}, but ${released.from} is lock ${lockId(released.lock)}`, {
      hint: 'the archive was changed after the release; restore it from the release asset',
    });
  }
  input.progress(`${file} matches ${released.from}`);
}
