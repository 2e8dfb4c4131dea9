import { InputError, LockstepError } from '../errors.js';
import { listReleases, releaseFile } from '../environments/releases/archive.js';
import { parseReleaseVersion, previousRelease } from '../environments/releases/version.js';
import { lockId } from '../lock/integrity.js';
import { readLock } from '../lock/read.js';
import { writeLock } from '../lock/write.js';

export interface ArchiveInput {
  lockFile: string;
  version: string;
  /** The archive folder (`locks/releases`). */
  dir: string;
}

/** What the GitHub release stage needs to tag and publish. */
export interface ArchiveResult {
  version: string;
  tagName: string;
  lockPath: string;
  integrity: string;
  lockId: string;
  /** False when the same lock was already archived under this version (a rerun). */
  created: boolean;
  previous: { version: string; lockPath: string; integrity: string } | null;
}

/**
 * Archives a lock as `<dir>/<version>.lock.yaml`, append-only: the file is created exclusively, so an
 * archived release is never replaced, even by two runs racing. Archiving the same lock again under the
 * same version is a no-op; a different lock under an existing version is refused.
 */
export async function archiveRelease(input: ArchiveInput): Promise<ArchiveResult> {
  if (!parseReleaseVersion(input.version)) {
    throw new InputError('--version', undefined, `"${input.version}" is not a release version such as v1.4.2 (v + semantic version, no build metadata)`);
  }
  const lock = await readLock(input.lockFile);
  const lockPath = releaseFile(input.dir, input.version);
  let created = true;
  try {
    await writeLock(lockPath, lock, { exclusive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const archived = await readLock(lockPath);
    if (archived.integrity !== lock.integrity) {
      throw new LockstepError('CONFLICT', `release ${input.version} is already archived with lock ${lockId(archived)}, not ${lockId(lock)}`, {
        details: [`${lockPath}: integrity ${archived.integrity}`],
        hint: 'an archived release is never replaced: release this lock under a new version',
      });
    }
    created = false;
  }
  const previous = previousRelease(await listReleases(input.dir), input.version, (release) => release.version);
  return {
    version: input.version,
    tagName: input.version,
    lockPath,
    integrity: lock.integrity,
    lockId: lockId(lock),
    created,
    previous: previous ? { version: previous.version, lockPath: previous.file, integrity: previous.integrity } : null,
  };
}
