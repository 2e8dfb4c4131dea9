// `lockstep release [archive] --lock F --version vX.Y.Z`: the append-only archive of released locks.
import type { Command } from 'commander';
import { recordArtifacts, recordEndRun, recordOutputs } from '../stageResult.js';
import { emit, progress, type OutputOptions } from '../output.js';
import { configChoice, gitHubContext } from '../github.js';
import type { stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { parseReleaseVersion } from '../../environments/releases/version.js';
import { InputError } from '../../errors.js';
import { readLock } from '../../lock/read.js';
import { listReleases, releaseFile, releasesDirFor } from '../../environments/releases/archive.js';
import { newestRelease } from '../../environments/releases/resolveRelease.js';
import { loadGithubConfig } from '../../github/settings.js';
import { resolveRef } from '../../git/resolveRef.js';
import { commitArchive } from '../../stages/commitArchive.js';
import { resolveProductionRelease } from '../../stages/resolveRelease.js';
import { nextReleaseVersion } from '../../environments/releases/nextVersion.js';
import { archiveRelease } from '../../stages/release.js';
import { publishRelease } from '../../stages/publishRelease.js';

export async function releaseNextVersionAction(options: OptionsOf<typeof stages.releaseNextVersion>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions & { config: string }>();
  if (options.bump !== undefined && !['major', 'minor', 'patch'].includes(options.bump)) {
    throw new InputError('--bump', undefined, `"${options.bump}" is not one of major, minor, patch`);
  }
  const lock = await readLock(options.lock);
  const last = newestRelease(await listReleases(options.dir ?? (await releasesDirFor(output.config))));
  const result = nextReleaseVersion({
    released: last ? { version: last.version, lock: last.lock } : null,
    lock,
    override: options.bump as 'major' | 'minor' | 'patch' | undefined,
  });
  emit(output, result, () => `${result.version}\n`);
}

export async function releaseArchiveAction(options: OptionsOf<typeof stages.releaseArchive>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions & { config: string }>();
  const dir = options.dir ?? (await releasesDirFor(output.config));
  const result = await archiveRelease({ lockFile: options.lock, version: options.version, dir });
  recordArtifacts(result.lockPath);
  emit(output, result, () => {
    const what = result.created ? `archived lock ${result.lockId} as ${result.lockPath}` : `${result.lockPath} already holds lock ${result.lockId}; nothing to do`;
    const previous = result.previous ? `previous release: ${result.previous.version} (${result.previous.lockPath})` : 'no previous release';
    return `✔ ${result.version}: ${what}\n  tag ${result.tagName} · ${previous}\n`;
  });
}

/** `lockstep release publish`: the git tag and the GitHub release, owned by the GitHub stages. */
export async function releasePublishAction(options: OptionsOf<typeof stages.releasePublish>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions>();
  const version = parseReleaseVersion(options.version);
  if (!version) throw new InputError('--version', undefined, `"${options.version}" is not a release version such as v1.4.2 (v + semantic version, no build metadata)`);
  const lock = await readLock(options.lock);
  const { config, deps } = await gitHubContext(command, options);
  const result = await publishRelease(
    { version, lock, target: options.target, branch: options.branch, lockPath: config.lockPath, archiveDir: config.releaseArchiveDir },
    deps,
  );
  emit(output, result, () =>
    [
      `✔ released ${result.tag} at ${result.commit} with lock ${result.lockId}: ${result.url}`,
      `  tag ${result.tagAction} · release ${result.releaseAction} · asset ${result.asset} ${result.assetAction} · previous ${result.previous ?? 'none'}`,
    ].join('\n'),
  );
}

/** `lockstep release commit-archive`: the archived release committed to the production branch, where rollback reads it. */
export async function releaseCommitArchiveAction(options: OptionsOf<typeof stages.releaseCommitArchive>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions>();
  if (!parseReleaseVersion(options.version)) throw new InputError('--version', undefined, `"${options.version}" is not a release version such as v1.4.2`);
  const { config, deps } = await gitHubContext(command, options);
  const dir = options.dir ?? (await releasesDirFor(configChoice(command).file));
  const lock = await readLock(releaseFile(dir, options.version));
  const result = await commitArchive({ version: options.version, lock, path: releaseFile(config.releaseArchiveDir, options.version), branch: options.branch }, deps);
  emit(output, result, () =>
    result.action === 'committed'
      ? `✔ archived ${result.version} (lock ${result.lockId}) on ${result.branch} as ${result.commit}: ${result.path}`
      : `✔ ${result.branch} already archives ${result.version} (lock ${result.lockId}) in ${result.path}; nothing to commit`,
  );
}

/**
 * `lockstep release resolve`: what a production run releases, found by lockstep itself (the merged
 * pull request of the commit, the next version from the lock), so a workflow computes nothing and a
 * laptop gets the same answer.
 */
export async function releaseResolveAction(options: OptionsOf<typeof stages.releaseResolve>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions>();
  if (options.bump !== undefined && !['major', 'minor', 'patch'].includes(options.bump)) {
    throw new InputError('--bump', undefined, `"${options.bump}" is not one of major, minor, patch`);
  }
  const choice = configChoice(command);
  const config = await loadGithubConfig(choice.file, choice.explicit);
  const lock = await readLock(options.lock ?? config.lockPath);
  const commit = options.commit ?? (await resolveRef(process.cwd(), 'HEAD')).commit;
  const github = options.offline ? undefined : (await gitHubContext(command, options)).github;
  const result = await resolveProductionRelease({
    lock,
    commit,
    branch: options.branch,
    releasesDir: options.releasesDir ?? (await releasesDirFor(choice.file)),
    archivePath: config.releaseArchiveDir,
    pullRequest: options.pr,
    version: options.version,
    bump: options.bump as 'major' | 'minor' | 'patch' | undefined,
    github,
    progress,
  });
  recordOutputs({
    commit: result.commit,
    version: result.version ?? '',
    pullRequest: result.pullRequest === null ? '' : String(result.pullRequest),
    released: result.released?.version ?? '',
    releasedLock: result.released?.file ?? '',
    releaseDiffLabel: releaseDiffLabel(result),
  });
  if (result.action === 'nothing-to-do') recordEndRun(result.why);
  emit(output, result, () => {
    const pr = result.pullRequest === null ? 'no pull request' : `#${result.pullRequest}`;
    if (result.action === 'nothing-to-do') return `✔ ${result.why} (${pr}, ${result.commit.slice(0, 7)})\n`;
    const since = result.released ? `after ${result.released.version}` : 'the first release';
    return `✔ release ${result.version} (${result.why}; ${since}) from ${pr} at ${result.commit.slice(0, 7)}\n`;
  });
}

/** The label of the release diff in the run report, which compares with the archived file of the newest release. */
function releaseDiffLabel(result: { version: string | null; released: { version: string; file: string | null } | null }): string {
  if (result.version === null) return '';
  if (!result.released) return `Release ${result.version}: the first release`;
  if (result.released.file === null) return `Release ${result.version}, every service (${result.released.version} is not archived in this checkout)`;
  return `Release ${result.version} against ${result.released.version}`;
}
