import { compareVersions, parseReleaseVersion, type ReleaseVersion } from './version.js';

/** A lock archived under `locks/releases/<version>.lock.yaml`. */
export interface ArchivedRelease {
  version: string;
  file: string;
  integrity: string;
}

function sorted(releases: readonly ArchivedRelease[]): Array<ArchivedRelease & { parsed: ReleaseVersion }> {
  return releases
    .map((release) => ({ ...release, parsed: parseReleaseVersion(release.version) }))
    .filter((release): release is ArchivedRelease & { parsed: ReleaseVersion } => release.parsed !== null)
    .sort((a, b) => compareVersions(a.parsed, b.parsed));
}

export type RollbackChoice =
  | { ok: true; release: ArchivedRelease; live: ArchivedRelease | null }
  | { ok: false; problem: string };

/** What a rollback returns to: a version by name, or the release whose lock ran before a deploy. */
export type RollbackTarget = { version: string } | { lock: string };

/**
 * Which archived release `lockstep rollback` deploys. With a version, that one. With a lock (the one
 * that ran before a deploy whose smoke tests failed), the newest version archived with it: what ran
 * before, whatever the archive holds since. Otherwise the release
 * before the one live (the newest version archived with the live lock): the highest version below it
 * whose lock differs (the same lock under another version is the same deployment: no rollback at all).
 */
export function chooseRollback(releases: readonly ArchivedRelease[], liveIntegrity: string | null, target?: string | RollbackTarget): RollbackChoice {
  const ordered = sorted(releases);
  const liveReleases = ordered.filter((release) => release.integrity === liveIntegrity);
  const newestLive = liveReleases.at(-1);
  const live = newestLive ? strip(newestLive) : null;
  const to = typeof target === 'string' ? target : target && 'version' in target ? target.version : undefined;
  if (typeof target === 'object' && 'lock' in target) {
    const before = ordered.filter((release) => release.integrity === target.lock).at(-1);
    if (!before) return { ok: false, problem: `the lock that ran before (${target.lock}) is not an archived release` };
    return { ok: true, release: strip(before), live };
  }
  if (to !== undefined) {
    const named = ordered.find((release) => release.version === to);
    if (!named) {
      const known = ordered.map((release) => release.version).join(', ') || 'none';
      return { ok: false, problem: `release ${to} is not archived (archived: ${known})` };
    }
    return { ok: true, release: strip(named), live };
  }
  if (liveIntegrity === null) return { ok: false, problem: 'no lock is recorded as live, so there is no "previous" release; name one with --to' };
  if (!newestLive) return { ok: false, problem: 'the live lock is not an archived release, so there is no "previous" one; name one with --to' };
  const earlier = ordered.filter((release) => compareVersions(release.parsed, newestLive.parsed) < 0 && release.integrity !== liveIntegrity);
  const previous = earlier.at(-1);
  if (!previous) return { ok: false, problem: `no release is archived before ${newestLive.version}, the one live` };
  return { ok: true, release: strip(previous), live };
}

function strip(release: ArchivedRelease & { parsed?: ReleaseVersion }): ArchivedRelease {
  return { version: release.version, file: release.file, integrity: release.integrity };
}
