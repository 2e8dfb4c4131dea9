import { access, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import type { LockstepConfig } from '../../config/schema.js';
import { LockstepError } from '../../errors.js';
import { readLock } from '../../lock/read.js';
import type { ReleaseLock } from '../../lock/schema.js';
import type { ArchivedRelease } from './selectRelease.js';
import { parseReleaseVersion } from './version.js';

const suffix = '.lock.yaml';

/** The archive folder the config names (`github.releaseArchiveDir`), resolved against the config file's folder. */
export function configuredReleasesDir(lockstep: LockstepConfig, configFile: string): string {
  return resolve(dirname(resolve(configFile)), lockstep.github.releaseArchiveDir);
}

/**
 * The archive folder when no flag names one: the config's, so that archiving, rollback and the GitHub
 * release stage agree. Archiving needs no config file; without one it is `locks/releases`.
 */
export async function releasesDirFor(configFile: string): Promise<string> {
  const exists = await access(configFile).then(
    () => true,
    () => false,
  );
  return exists ? configuredReleasesDir(await loadConfig(configFile), configFile) : 'locks/releases';
}

export function releaseFile(dir: string, version: string): string {
  return join(dir, `${version}${suffix}`);
}

/** An archive entry that could not be used, and why. */
export interface SkippedRelease {
  version: string;
  file: string;
  problem: string;
}

/**
 * Every archived release, each lock read and verified. An entry that cannot be read or fails its
 * checks is never a candidate; it is reported through `onSkip` and the others stay usable, so one bad
 * file does not block every rollback.
 */
export async function listReleases(dir: string, onSkip: (skipped: SkippedRelease) => void = () => {}): Promise<Array<ArchivedRelease & { lock: ReleaseLock }>> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const releases: Array<ArchivedRelease & { lock: ReleaseLock }> = [];
  for (const entry of entries.sort()) {
    if (!entry.endsWith(suffix)) continue;
    const version = entry.slice(0, -suffix.length);
    if (!parseReleaseVersion(version)) continue;
    const file = join(dir, entry);
    try {
      const lock = await readLock(file);
      releases.push({ version, file, integrity: lock.integrity, lock });
    } catch (error) {
      if (!(error instanceof LockstepError)) throw error;
      onSkip({ version, file, problem: error.message });
    }
  }
  return releases;
}
