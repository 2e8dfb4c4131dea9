import { diffLocks, hasChanges } from '../../lock/diff.js';
import type { ReleaseLock } from '../../lock/schema.js';
import type { PullRequestInfo } from '../../github/port.js';
import { nextReleaseVersion, type ReleaseBump } from './nextVersion.js';
import { compareVersions, parseReleaseVersion } from './version.js';

/** A release lockstep knows of: archived in the repository, published on GitHub, or both. */
export interface KnownRelease {
  version: string;
  lock: ReleaseLock;
  /** Where its lock was read: the archive file, or the release asset. */
  from: string;
}

/** The newest of the releases by semver precedence; null when there is none. */
export function newestRelease<R extends { version: string }>(releases: readonly R[]): R | null {
  let best: { release: R; parsed: NonNullable<ReturnType<typeof parseReleaseVersion>> } | null = null;
  for (const release of releases) {
    const parsed = parseReleaseVersion(release.version);
    if (parsed && (!best || compareVersions(parsed, best.parsed) > 0)) best = { release, parsed };
  }
  return best?.release ?? null;
}

/**
 * The pull request that brought a commit to the production branch: merged into it, and, when GitHub
 * names one, the one whose merge commit is this very commit (a squash or merge button); else the
 * newest merged one into the branch that contains it.
 */
export function mergedPullRequest(pulls: readonly PullRequestInfo[], commit: string, branch: string): PullRequestInfo | null {
  const merged = pulls.filter((pull) => pull.merged && pull.baseRef === branch);
  return merged.find((pull) => pull.mergeCommitSha === commit) ?? [...merged].sort((a, b) => b.number - a.number)[0] ?? null;
}

export interface ResolveReleaseInput {
  lock: ReleaseLock;
  /** The newest release, null before the first. */
  released: KnownRelease | null;
  /** `--version`: the version chosen by hand. */
  version?: string;
  /** `--bump`: the bump chosen by hand. */
  bump?: ReleaseBump;
}

export type ReleaseResolution =
  | { action: 'nothing-to-do'; released: string; reason: string }
  | { action: 'release'; version: string; why: string; released: string | null };

/**
 * What a production run does with this lock: nothing when no service changed since the newest release
 * (a merge that touched no service: a README, the release archive itself), else release it under the
 * version given by hand or the next one the lock calls for. A version given by hand must be above the
 * newest release: a released version is never reused.
 */
export function resolveRelease(input: ResolveReleaseInput): ReleaseResolution | { action: 'refuse'; field: '--version'; problem: string } {
  const { released } = input;
  if (released && !hasChanges(diffLocks(released.lock, input.lock))) {
    return { action: 'nothing-to-do', released: released.version, reason: `no service changed since release ${released.version}; nothing deployed` };
  }
  if (input.version !== undefined) {
    const chosen = parseReleaseVersion(input.version);
    if (!chosen) return { action: 'refuse', field: '--version', problem: `"${input.version}" is not a release version such as v1.4.2` };
    const last = released && parseReleaseVersion(released.version);
    if (last && compareVersions(chosen, last) <= 0) {
      return { action: 'refuse', field: '--version', problem: `${input.version} is not above the newest release ${released.version}: a released version is never reused` };
    }
    return { action: 'release', version: input.version, why: 'chosen by hand', released: released?.version ?? null };
  }
  const next = nextReleaseVersion({ released, lock: input.lock, override: input.bump });
  return { action: 'release', version: next.version, why: `${next.bump}: ${next.reason}`, released: released?.version ?? null };
}
