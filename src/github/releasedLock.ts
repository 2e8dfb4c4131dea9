import type { GitHubPort } from './port.js';
import { releaseAssetName } from './releaseNotes.js';
import { classifyLockBytes, readRemoteLock } from './remoteLock.js';
import type { ReleaseLock } from '../lock/schema.js';

export type ReleasedLock =
  | { state: 'found'; lock: ReleaseLock; from: string }
  | { state: 'unavailable'; problem: string }
  /** Neither a GitHub release nor a tag of that name: the version was only ever archived locally. */
  | { state: 'unreleased' };

/**
 * The lock a release carries on GitHub: the asset attached to it, else the archived file as committed
 * at its tag. What a release notes diff reads, and what a rollback checks its local archive against.
 */
export async function readReleasedLock(github: GitHubPort, release: { id: number; tag: string }, archiveDir: string): Promise<Exclude<ReleasedLock, { state: 'unreleased' }>> {
  const assets = await github.listReleaseAssets(release.id);
  const asset = assets.find((item) => item.name === releaseAssetName(release.tag)) ?? assets.find((item) => item.name.endsWith('.lock.yaml'));
  if (asset) {
    const found = classifyLockBytes(`${asset.name} of ${release.tag}`, await github.downloadReleaseAsset(asset.id));
    if (found.state === 'valid') return { state: 'found', lock: found.lock, from: `the lock attached to ${release.tag}` };
    return { state: 'unavailable', problem: found.state === 'invalid' ? found.problem : 'empty asset' };
  }
  const archived = await readRemoteLock(github, `${archiveDir}/${release.tag}.lock.yaml`, release.tag);
  if (archived.state === 'valid') return { state: 'found', lock: archived.lock, from: `\`${archived.label}\`` };
  return { state: 'unavailable', problem: archived.state === 'invalid' ? archived.problem : `no lock asset and no ${archived.label}` };
}

/** The same, by tag: the release when there is one, else the archived file at the tag. */
export async function readReleasedLockByTag(github: GitHubPort, tag: string, archiveDir: string): Promise<ReleasedLock> {
  const release = await github.getReleaseByTag(tag);
  if (release) return readReleasedLock(github, release, archiveDir);
  if ((await github.getTagCommit(tag)) === null) return { state: 'unreleased' };
  const archived = await readRemoteLock(github, `${archiveDir}/${tag}.lock.yaml`, tag);
  if (archived.state === 'valid') return { state: 'found', lock: archived.lock, from: `\`${archived.label}\`` };
  return { state: 'unavailable', problem: archived.state === 'invalid' ? archived.problem : `no ${archived.label}` };
}

/** A published release and the lock it carries. */
export interface PublishedRelease {
  version: string;
  lock: ReleaseLock;
  from: string;
}

/**
 * Every published (non-draft) release whose lock can be read: the second copy of the archive, for a
 * checkout whose archive misses a release. One that cannot be read is reported and left out.
 */
export async function listPublishedReleases(github: GitHubPort, archiveDir: string, onSkip: (tag: string, problem: string) => void): Promise<PublishedRelease[]> {
  const published: PublishedRelease[] = [];
  for (const release of await github.listReleases()) {
    if (release.draft) continue;
    const found = await readReleasedLock(github, release, archiveDir);
    if (found.state === 'found') published.push({ version: release.tag, lock: found.lock, from: found.from });
    else onSkip(release.tag, found.problem);
  }
  return published;
}
