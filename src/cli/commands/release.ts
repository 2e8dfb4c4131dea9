import type { Command } from 'commander';
import { recordArtifacts } from '../stageResult.js';
import { emit, type OutputOptions } from '../output.js';
import { branchName, fullCommit, gitHubContext, withGitHubFlags, type GitHubFlags } from './pr.js';
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
      const { compareVersions } = await import('../../environments/releases/version.js');
      const lock = await readLock(options.lock);
      const releases = await listReleases(options.dir ?? (await releasesDirFor(output.config)));
      const last = releases
        .map((entry) => ({ entry, parsed: parseReleaseVersion(entry.version) }))
        .filter((item) => item.parsed !== null)
        .sort((a, b) => compareVersions(a.parsed!, b.parsed!))
        .at(-1)?.entry;
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
