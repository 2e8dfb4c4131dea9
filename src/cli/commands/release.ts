// `lockstep release [archive] --lock F --version vX.Y.Z`: the append-only archive of released locks.
import type { Command } from 'commander';
import { recordArtifacts } from '../stageResult.js';
import { emit, type OutputOptions } from '../output.js';
import { gitHubContext } from '../github.js';
import type { stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { parseReleaseVersion, compareVersions } from '../../environments/releases/version.js';
import { InputError } from '../../errors.js';
import { readLock } from '../../lock/read.js';
import { listReleases, releasesDirFor } from '../../environments/releases/archive.js';
import { nextReleaseVersion } from '../../environments/releases/nextVersion.js';
import { archiveRelease } from '../../stages/release.js';
import { publishRelease } from '../../stages/publishRelease.js';

export async function releaseNextVersionAction(options: OptionsOf<typeof stages.releaseNextVersion>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions & { config: string }>();
  if (options.bump !== undefined && !['major', 'minor', 'patch'].includes(options.bump)) {
    throw new InputError('--bump', undefined, `"${options.bump}" is not one of major, minor, patch`);
  }
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
