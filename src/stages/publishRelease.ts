import { previousRelease, type ReleaseVersion } from '../environments/releases/version.js';
import { LockstepError } from '../errors.js';
import type { GitHubDeps, GitHubPort, ReleaseInfo } from '../github/port.js';
import { releaseAssetName, renderReleaseNotes, type PreviousReleaseLock } from '../github/releaseNotes.js';
import { classifyLockBytes, readRemoteLock } from '../github/remoteLock.js';
import { lockId } from '../lock/integrity.js';
import type { ReleaseLock } from '../lock/schema.js';
import { serializeLock } from '../lock/serialize.js';
import { shortCommit } from '../render/table.js';

export interface PublishReleaseInput {
  version: ReleaseVersion;
  lock: ReleaseLock;
  /** The commit to tag; default: the head of `branch`. */
  target?: string;
  branch: string;
  lockPath: string;
  archiveDir: string;
}

export interface PublishReleaseResult {
  tag: string;
  commit: string;
  lockId: string;
  tagAction: 'created' | 'exists';
  releaseAction: 'created' | 'updated' | 'unchanged';
  assetAction: 'uploaded' | 'replaced' | 'unchanged';
  asset: string;
  previous: string | null;
  url: string;
}

async function previousLock(github: GitHubPort, releases: ReleaseInfo[], version: ReleaseVersion, archiveDir: string): Promise<PreviousReleaseLock> {
  const previous = previousRelease(releases, version, (release) => (release.draft ? null : release.tag));
  if (!previous) return { state: 'none' };
  const assets = await github.listReleaseAssets(previous.id);
  const asset = assets.find((item) => item.name === releaseAssetName(previous.tag)) ?? assets.find((item) => item.name.endsWith('.lock.yaml'));
  if (asset) {
    const found = classifyLockBytes(`${asset.name} of ${previous.tag}`, await github.downloadReleaseAsset(asset.id));
    if (found.state === 'valid') return { state: 'found', tag: previous.tag, lock: found.lock, from: `the lock attached to ${previous.tag}` };
    return { state: 'unavailable', tag: previous.tag, problem: found.state === 'invalid' ? found.problem : 'empty asset' };
  }
  const archived = await readRemoteLock(github, `${archiveDir}/${previous.tag}.lock.yaml`, previous.tag);
  if (archived.state === 'valid') return { state: 'found', tag: previous.tag, lock: archived.lock, from: `\`${archived.label}\`` };
  return { state: 'unavailable', tag: previous.tag, problem: archived.state === 'invalid' ? archived.problem : `no lock asset and no ${archived.label}` };
}

/**
 * Tags the released commit and publishes a GitHub release whose notes are the lock and its diff from
 * the previous release, with the lock attached. Every step converges: an existing tag at the same
 * commit, release or asset is kept or brought up to date; a tag at another commit is refused.
 */
export async function publishRelease(input: PublishReleaseInput, deps: GitHubDeps): Promise<PublishReleaseResult> {
  const { github } = deps;
  const tag = input.version.text;
  const id = lockId(input.lock);
  const commit = input.target ?? (await github.getBranchHead(input.branch));

  // The tag names what production runs: the tagged commit must carry this lock, if it carries one.
  const committed = await readRemoteLock(github, input.lockPath, commit);
  if (committed.state === 'valid' && committed.lock.integrity !== input.lock.integrity) {
    throw new LockstepError('CONFLICT', `${committed.label} is lock ${lockId(committed.lock)}, not lock ${id}: refusing to release ${tag} with another lock`);
  }
  if (committed.state !== 'valid') deps.progress?.(`release publish: ${committed.label} is ${committed.state}; releasing lock ${id} as given`);

  const tagged = await github.getTagCommit(tag);
  if (tagged !== null && tagged !== commit) {
    throw new LockstepError('CONFLICT', `tag ${tag} already points at ${shortCommit(tagged)}, not ${shortCommit(commit)}`, {
      hint: 'a released version is never moved: publish a new version instead',
    });
  }
  if (tagged === null) await github.createTag(tag, commit);
  const tagAction = tagged === null ? 'created' : 'exists';

  const releases = await github.listReleases();
  const previous = await previousLock(github, releases.filter((release) => release.tag !== tag), input.version, input.archiveDir);
  const notes = renderReleaseNotes(tag, input.lock, previous);

  let release = await github.getReleaseByTag(tag);
  let releaseAction: PublishReleaseResult['releaseAction'];
  if (!release) {
    release = await github.createRelease({ tag, commit, name: tag, body: notes, prerelease: input.version.prerelease.length > 0 });
    releaseAction = 'created';
  } else if (release.body !== notes || release.name !== tag) {
    release = await github.updateRelease(release.id, { name: tag, body: notes });
    releaseAction = 'updated';
  } else {
    releaseAction = 'unchanged';
  }

  const assetName = releaseAssetName(tag);
  const content = Buffer.from(serializeLock(input.lock), 'utf8');
  const attached = (await github.listReleaseAssets(release.id)).filter((asset) => asset.name === assetName);
  let assetAction: PublishReleaseResult['assetAction'] = 'uploaded';
  const only = attached.length === 1 ? attached[0] : undefined;
  if (only && only.size === content.length && (await github.downloadReleaseAsset(only.id)).equals(content)) {
    assetAction = 'unchanged';
  } else {
    for (const asset of attached) await github.deleteReleaseAsset(asset.id);
    await github.uploadReleaseAsset(release, { name: assetName, content, contentType: 'application/yaml' });
    if (attached.length > 0) assetAction = 'replaced';
  }
  deps.progress?.(`release publish: ${tag} at ${shortCommit(commit)}: tag ${tagAction}, release ${releaseAction}, asset ${assetAction}`);
  return {
    tag,
    commit,
    lockId: id,
    tagAction,
    releaseAction,
    assetAction,
    asset: assetName,
    previous: previous.state === 'none' ? null : previous.tag,
    url: release.url,
  };
}
