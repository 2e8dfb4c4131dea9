import type { Command } from 'commander';
import { recordArtifacts, recordEndRun, recordOutputs } from '../stageResult.js';
import { positiveInt } from '../parse.js';
import { emit, progress, type OutputOptions } from '../output.js';
import { branchName, configChoice, fullCommit, gitHubContext, withGitHubFlags, type GitHubFlags } from './pr.js';
import { parseReleaseVersion } from '../../environments/releases/version.js';
import { InputError } from '../../errors.js';

/** `lockstep release [archive] --lock F --version vX.Y.Z`: the append-only archive of released locks. */
export function registerReleaseCommands(program: Command): void {
  const release = program.command('release').description('Archive a released lock (and publish the release on GitHub).');

  release
    .command('next-version')
    .description('Print the next release version: the largest semver change among the services changed since the last archived release.')
    .requiredOption('--lock <file>', 'the lock about to be released')
    .option('--bump <level>', 'override the derived bump: major, minor or patch')
    .option('--dir <dir>', 'the release archive (default: from lockstep.config.yaml)')
    .action(async (options: { lock: string; bump?: string; dir?: string }, command: Command) => {
      const output = command.optsWithGlobals<OutputOptions & { config: string }>();
      if (options.bump !== undefined && !['major', 'minor', 'patch'].includes(options.bump)) {
        throw new InputError('--bump', undefined, `"${options.bump}" is not one of major, minor, patch`);
      }
      const { readLock } = await import('../../lock/read.js');
      const { listReleases, releasesDirFor } = await import('../../environments/releases/archive.js');
      const { nextReleaseVersion } = await import('../../environments/releases/nextVersion.js');
      const { newestRelease } = await import('../../environments/releases/resolveRelease.js');
      const lock = await readLock(options.lock);
      const last = newestRelease(await listReleases(options.dir ?? (await releasesDirFor(output.config))));
      const result = nextReleaseVersion({
        released: last ? { version: last.version, lock: last.lock } : null,
        lock,
        override: options.bump as 'major' | 'minor' | 'patch' | undefined,
      });
      emit(output, result, () => `${result.version}\n`);
    });

  release
    .command('archive', { isDefault: true })
    .description('Archive a lock as locks/releases/<version>.lock.yaml; never overwrites, idempotent for the same lock.')
    .requiredOption('--lock <file>', 'the lock that was released')
    .requiredOption('--version <version>', 'the release version, e.g. v1.4.2 (also the git tag)')
    .option('--dir <dir>', "the archive folder (default: the config's github.releaseArchiveDir, locks/releases)")
    .action(async (options: { lock: string; version: string; dir?: string }, command: Command) => {
      const output = command.optsWithGlobals<OutputOptions & { config: string }>();
      const { archiveRelease } = await import('../../stages/release.js');
      const { releasesDirFor } = await import('../../environments/releases/archive.js');
      const dir = options.dir ?? (await releasesDirFor(output.config));
      const result = await archiveRelease({ lockFile: options.lock, version: options.version, dir });
      recordArtifacts(result.lockPath);
      emit(output, result, () => {
        const what = result.created ? `archived lock ${result.lockId} as ${result.lockPath}` : `${result.lockPath} already holds lock ${result.lockId}; nothing to do`;
        const previous = result.previous ? `previous release: ${result.previous.version} (${result.previous.lockPath})` : 'no previous release';
        return `✔ ${result.version}: ${what}\n  tag ${result.tagName} · ${previous}\n`;
      });
    });

  registerReleasePublish(release);
  registerReleaseResolve(release);
  registerReleaseCommitArchive(release);
}

/** `lockstep release commit-archive`: the archived release committed to the production branch, where rollback reads it. */
function registerReleaseCommitArchive(release: Command): void {
  withGitHubFlags(
    release
      .command('commit-archive')
      .description('Commit an archived release (locks/releases/<version>.lock.yaml) to the production branch through the GitHub API; never replaces one.')
      .requiredOption('--version <version>', 'the archived release version, e.g. v1.4.2')
      .option('--dir <dir>', "the archive folder (default: the config's github.releaseArchiveDir)")
      .option('--branch <name>', 'the production branch', branchName, 'main'),
  ).action(async (options: GitHubFlags & { version: string; dir?: string; branch: string }, command: Command) => {
    const output = command.optsWithGlobals<OutputOptions>();
    if (!parseReleaseVersion(options.version)) throw new InputError('--version', undefined, `"${options.version}" is not a release version such as v1.4.2`);
    const { readLock } = await import('../../lock/read.js');
    const { releaseFile, releasesDirFor } = await import('../../environments/releases/archive.js');
    const { config, deps } = await gitHubContext(command, options);
    const dir = options.dir ?? (await releasesDirFor(configChoice(command).file));
    const lock = await readLock(releaseFile(dir, options.version));
    const { commitArchive } = await import('../../stages/commitArchive.js');
    const result = await commitArchive({ version: options.version, lock, path: releaseFile(config.releaseArchiveDir, options.version), branch: options.branch }, deps);
    emit(output, result, () =>
      result.action === 'committed'
        ? `✔ archived ${result.version} (lock ${result.lockId}) on ${result.branch} as ${result.commit}: ${result.path}`
        : `✔ ${result.branch} already archives ${result.version} (lock ${result.lockId}) in ${result.path}; nothing to commit`,
    );
  });
}

/**
 * `lockstep release resolve`: what a production run releases, found by lockstep itself (the merged
 * pull request of the commit, the next version from the lock), so a workflow computes nothing and a
 * laptop gets the same answer.
 */
function registerReleaseResolve(release: Command): void {
  withGitHubFlags(
    release
      .command('resolve')
      .description('Resolve a production run: the pull request that merged the commit, the next version, or nothing to do when no service changed since the newest release.')
      .option('--lock <file>', "the lock on the production branch (default: the config's github.lockPath)")
      .option('--commit <sha>', 'the commit being released (default: HEAD of this checkout)', fullCommit)
      .option('--pr <number>', 'the merged pull request, instead of asking GitHub', positiveInt)
      .option('--version <version>', 'the release version, instead of the next one the lock calls for')
      .option('--bump <level>', 'override the derived bump: major, minor or patch')
      .option('--branch <name>', 'the production branch', branchName, 'main')
      .option('--releases-dir <dir>', "the release archive (default: the config's github.releaseArchiveDir)")
      .option('--offline', 'no GitHub: the archive alone says what was released, and no pull request is looked up'),
  ).action(
    async (
      options: GitHubFlags & { lock?: string; commit?: string; pr?: number; version?: string; bump?: string; branch: string; releasesDir?: string; offline?: boolean },
      command: Command,
    ) => {
      const output = command.optsWithGlobals<OutputOptions>();
      if (options.bump !== undefined && !['major', 'minor', 'patch'].includes(options.bump)) {
        throw new InputError('--bump', undefined, `"${options.bump}" is not one of major, minor, patch`);
      }
      const { readLock } = await import('../../lock/read.js');
      const { loadGithubConfig } = await import('../../github/settings.js');
      const { resolveRef } = await import('../../git/resolveRef.js');
      const { releasesDirFor } = await import('../../environments/releases/archive.js');
      const { resolveProductionRelease } = await import('../../stages/resolveRelease.js');
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
    },
  );
}

/** The label of the release diff in the run report, which compares with the archived file of the newest release. */
function releaseDiffLabel(result: { version: string | null; released: { version: string; file: string | null } | null }): string {
  if (result.version === null) return '';
  if (!result.released) return `Release ${result.version}: the first release`;
  if (result.released.file === null) return `Release ${result.version}, every service (${result.released.version} is not archived in this checkout)`;
  return `Release ${result.version} against ${result.released.version}`;
}

/** `lockstep release publish`: the git tag and the GitHub release, owned by the GitHub stages. */
function registerReleasePublish(release: Command): void {
  withGitHubFlags(
    release
      .command('publish')
      .description('Tag the released commit and publish a GitHub release: notes = lock + diff from the previous release, the lock attached.')
      .requiredOption('--version <version>', 'the release version, e.g. v1.4.2 (also the git tag)')
      .requiredOption('--lock <file>', 'the lock that was released')
      .option('--target <sha>', 'the commit to tag (default: the head of --branch)', fullCommit)
      .option('--branch <name>', 'the production branch', branchName, 'main'),
  ).action(async (options: GitHubFlags & { version: string; lock: string; target?: string; branch: string }, command: Command) => {
    const output = command.optsWithGlobals<OutputOptions>();
    const version = parseReleaseVersion(options.version);
    if (!version) throw new InputError('--version', undefined, `"${options.version}" is not a release version such as v1.4.2 (v + semantic version, no build metadata)`);
    const { readLock } = await import('../../lock/read.js');
    const lock = await readLock(options.lock);
    const { config, deps } = await gitHubContext(command, options);
    const { publishRelease } = await import('../../stages/publishRelease.js');
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
  });
}
