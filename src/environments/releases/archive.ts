import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readLock } from '../../lock/read.js';
import type { ReleaseLock } from '../../lock/schema.js';
import type { ArchivedRelease } from './selectRelease.js';
import { parseReleaseVersion } from './version.js';

export const defaultReleasesDir = 'locks/releases';
const suffix = '.lock.yaml';

export function releaseFile(dir: string, version: string): string {
  return join(dir, `${version}${suffix}`);
}

/** Every archived release, each lock read and verified: a tampered archive is an error, not a candidate. */
export async function listReleases(dir: string): Promise<Array<ArchivedRelease & { lock: ReleaseLock }>> {
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
    const lock = await readLock(file);
    releases.push({ version, file, integrity: lock.integrity, lock });
  }
  return releases;
}
