import type { GitHubPort } from './port.js';
import { releaseAssetName } from './releaseNotes.js';
import { classifyLockBytes, readRemoteLock } from './remoteLock.js';
import type { ReleaseLock } from '../lock/schema.js';

export type ReleasedLock = { state: 'found'; lock: ReleaseLock; from: string } | { state: 'unavailable'; problem: string };

/**
 * The lock a release carries on GitHub: the asset attached to it, else the archived file as committed
 * at its tag. What a release notes diff reads, and what a rollback checks its local archive against.
 */
export async function readReleasedLock(github: GitHubPort, release: { id: number; tag: string }, archiveDir: string): Promise<ReleasedLock> {
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
