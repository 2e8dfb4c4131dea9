import { InputError, LockstepError } from '../errors.js';
import { listReleases, type SkippedRelease } from '../environments/releases/archive.js';
import type { PublishedRelease, ReleasedLock } from '../github/releasedLock.js';
import type { ReleaseLock } from '../lock/schema.js';
import { lockId } from '../lock/integrity.js';
import { chooseRollback, type ArchivedRelease } from '../environments/releases/selectRelease.js';
import { deployLock, type DeployInput, type DeployResult } from './deploy.js';

export interface RollbackInput extends Omit<DeployInput, 'lock'> {
  releasesDir: string;
  /** A version to return to; by default the release before the one live. */
  to?: string;
  /**
   * The integrity of the lock that ran before a deploy (`lockstep deploy` records it): return to the
   * release archived with it. Empty: nothing ran before, so there is nothing to return to.
   */
  toLock?: string;
  /**
   * The releases published on GitHub with their locks: where a release missing from the archive is
   * found (a checkout whose archive commit did not land). Undefined without GitHub.
   */
  publishedReleases?: () => Promise<PublishedRelease[]>;
  /**
   * The lock the release itself carries (its GitHub asset, or the file at its tag). The archive on
   * disk is only as trustworthy as whoever last wrote to it: the lock deployed must be the released
   * one. Undefined where no GitHub is reachable: the rollback then says it was not verified.
   */
  releasedLock?: (tag: string) => Promise<ReleasedLock>;
}

/** A release rollback may return to: archived in the checkout, or published on GitHub only. */
type Candidate = ArchivedRelease & { lock: ReleaseLock; archived: boolean };

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
  const releases = await listReleases(input.releasesDir, (entry) => {
    skipped.push(entry);
    input.progress(`warning: skipping archived release ${entry.version}: ${entry.problem}`);
  });
  const unusable = skipped.find((entry) => entry.version === input.to);
  if (unusable) throw new InputError('--to', undefined, `the archived lock of ${unusable.version} cannot be used: ${unusable.problem}`);
  if (input.toLock === '') throw new LockstepError('NOT_FOUND', `cannot roll back ${input.environment}: nothing ran there before this deploy, so there is no release to return to`);
  const live = await input.target.readLive();
  const target = input.toLock !== undefined ? { lock: input.toLock } : input.to;
  let candidates: Candidate[] = releases.map((release) => ({ ...release, archived: true }));
  let choice = chooseRollback(candidates, live.lockIntegrity, target);
  if (!choice.ok && input.publishedReleases) {
    // The archive of this checkout may miss a release whose archive commit failed: its GitHub release carries the lock too.
    const archivedVersions = new Set(releases.map((release) => release.version));
    const published = (await input.publishedReleases()).filter((release) => !archivedVersions.has(release.version));
    if (published.length > 0) input.progress(`the archive misses ${published.map((release) => release.version).join(', ')}: reading them from their GitHub releases`);
    candidates = [...candidates, ...published.map((release) => ({ version: release.version, file: release.from, integrity: release.lock.integrity, lock: release.lock, archived: false }))];
    choice = chooseRollback(candidates, live.lockIntegrity, target);
  }
  if (!choice.ok) {
    if (input.to !== undefined && input.toLock === undefined) throw new InputError('--to', undefined, choice.problem);
    throw new LockstepError('NOT_FOUND', `cannot roll back ${input.environment}: ${choice.problem}`);
  }
  const chosen = choice.release;
  const release = candidates.find((candidate) => candidate.version === chosen.version);
  if (!release) throw new LockstepError('NOT_FOUND', `cannot roll back ${input.environment}: release ${chosen.version} is no longer archived`);
  input.progress(`rolling ${input.environment} back to ${release.version}${choice.live ? ` (live: ${choice.live.version})` : ''}`);
  // A lock read from the release itself needs no check against the release.
  if (release.archived) await verifyAgainstRelease(input, release.version, release.lock.integrity, release.file);
  else input.progress(`${release.version} is not in the archive: deploying ${release.file}`);
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
