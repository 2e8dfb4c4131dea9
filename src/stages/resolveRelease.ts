import { listReleases } from '../environments/releases/archive.js';
import type { ReleaseBump } from '../environments/releases/nextVersion.js';
import { mergedPullRequest, newestRelease, resolveRelease, type KnownRelease } from '../environments/releases/resolveRelease.js';
import { InputError, LockstepError } from '../errors.js';
import type { GitHubPort } from '../github/port.js';
import { readReleasedLock } from '../github/releasedLock.js';
import { lockId } from '../lock/integrity.js';
import type { ReleaseLock } from '../lock/schema.js';
import { shortCommit } from '../render/table.js';

export interface ResolveReleaseStageInput {
  lock: ReleaseLock;
  /** The commit being released (the push to the production branch). */
  commit: string;
  /** The production branch the pull request must have merged into. */
  branch: string;
  releasesDir: string;
  /** The archive folder as committed in the repository, where a release's file is read at its tag. */
  archivePath: string;
  /** Chosen by hand; found through GitHub otherwise. */
  pullRequest?: number;
  version?: string;
  bump?: ReleaseBump;
  /** Absent: no GitHub here (the archive alone says what was released; no pull request is looked up). */
  github?: GitHubPort;
  progress: (message: string) => void;
}

export interface ResolvedRelease {
  action: 'release' | 'nothing-to-do';
  /** The version to release; null when there is nothing to do. */
  version: string | null;
  why: string;
  commit: string;
  pullRequest: number | null;
  /** The newest release, which the lock is compared with, and where its lock was read. */
  released: { version: string; from: string; file: string | null } | null;
}

/**
 * What a production run releases: the newest release (the archive, and GitHub's releases when GitHub
 * is there), whether the lock changes any service since it, the next version, and the merged pull
 * request that brought the commit (whose approvals the gate checks).
 */
export async function resolveProductionRelease(input: ResolveReleaseStageInput): Promise<ResolvedRelease> {
  const released = await newestKnownRelease(input);
  const decision = resolveRelease({ lock: input.lock, released: released?.release ?? null, version: input.version, bump: input.bump });
  if (decision.action === 'refuse') throw new InputError(decision.field, undefined, decision.problem);
  const pullRequest = input.pullRequest ?? (input.github ? await findPullRequest(input.github, input.commit, input.branch) : null);
  const releasedInfo = released ? { version: released.release.version, from: released.release.from, file: released.file } : null;
  if (decision.action === 'nothing-to-do') {
    input.progress(`release resolve: lock ${lockId(input.lock)} changes no service of release ${decision.released}`);
    return { action: 'nothing-to-do', version: null, why: decision.reason, commit: input.commit, pullRequest, released: releasedInfo };
  }
  // Production moves only through an approved pull request: a commit without one is never deployed.
  if (input.github && pullRequest === null) {
    throw new LockstepError('GATE_REFUSED', `${shortCommit(input.commit)} reached ${input.branch} without a merged pull request: refusing to deploy it`, {
      hint: 'name the pull request with --pr when it was merged another way',
    });
  }
  return { action: 'release', version: decision.version, why: decision.why, commit: input.commit, pullRequest, released: releasedInfo };
}

async function findPullRequest(github: GitHubPort, commit: string, branch: string): Promise<number | null> {
  return mergedPullRequest(await github.listPullRequestsForCommit(commit), commit, branch)?.number ?? null;
}

/**
 * The newest release, from the archive and from GitHub. The archive is committed after each release,
 * but a release whose archive commit failed is still on GitHub: its lock is read from its asset.
 */
async function newestKnownRelease(input: ResolveReleaseStageInput): Promise<{ release: KnownRelease; file: string | null } | null> {
  const archived = newestRelease(
    await listReleases(input.releasesDir, (skipped) => input.progress(`warning: skipping archived release ${skipped.version}: ${skipped.problem}`)),
  );
  const fromArchive = archived ? { release: { version: archived.version, lock: archived.lock, from: archived.file }, file: archived.file } : null;
  if (!input.github) return fromArchive;
  const published = newestRelease((await input.github.listReleases()).filter((release) => !release.draft).map((release) => ({ ...release, version: release.tag })));
  // The archive wins a tie: its file is what rollback reads.
  if (!published || (archived && newestRelease<{ version: string }>([archived, published]) === archived)) return fromArchive;
  const found = await readReleasedLock(input.github, published, input.archivePath);
  if (found.state !== 'found') {
    throw new LockstepError('PROVENANCE', `release ${published.tag} is the newest on GitHub, but its lock cannot be read (${found.problem})`, {
      hint: 'attach its lock to the release, or archive it in the repository',
    });
  }
  return { release: { version: published.tag, lock: found.lock, from: found.from }, file: null };
}
