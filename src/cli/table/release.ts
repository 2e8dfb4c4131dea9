import { productionBranch } from '../../defaults.js';
import { branchName, fullCommit, positiveInt } from '../parse.js';
import { gitHubFlags } from './github.js';
import type { CommandSpec } from './spec.js';

/** `lockstep release ...`: the next version, the append-only archive of released locks, the GitHub release. */
export const releaseNextVersion = {
  group: 'release',
  name: 'next-version',
  description: 'Print the next release version: the largest semver change among the services changed since the last archived release.',
  flags: {
    lock: { flags: '--lock <file>', help: 'the lock about to be released', required: true },
    bump: { flags: '--bump <level>', help: 'override the derived bump: major, minor or patch' },
    dir: { flags: '--dir <dir>', help: 'the release archive (default: from lockstep.config.yaml)' },
  },
} as const satisfies CommandSpec;

export const releaseArchive = {
  group: 'release',
  name: 'archive',
  isDefault: true,
  description: 'Archive a lock as locks/releases/<version>.lock.yaml; never overwrites, idempotent for the same lock.',
  flags: {
    lock: { flags: '--lock <file>', help: 'the lock that was released', required: true, dagger: 'lockFile' },
    version: { flags: '--version <version>', help: 'the release version, e.g. v1.4.2 (also the git tag)', required: true },
    dir: { flags: '--dir <dir>', help: "the archive folder (default: the config's github.releaseArchiveDir, locks/releases)" },
  },
} as const satisfies CommandSpec;

export const releasePublish = {
  group: 'release',
  name: 'publish',
  description: 'Tag the released commit and publish a GitHub release: notes = lock + diff from the previous release, the lock attached.',
  flags: {
    version: { flags: '--version <version>', help: 'the release version, e.g. v1.4.2 (also the git tag)', required: true },
    lock: { flags: '--lock <file>', help: 'the lock that was released', required: true, dagger: 'lockFile' },
    target: { flags: '--target <sha>', help: 'the commit to tag (default: the head of --branch)', parse: fullCommit },
    branch: { flags: '--branch <name>', help: 'the production branch', parse: branchName, default: productionBranch },
    ...gitHubFlags,
  },
} as const satisfies CommandSpec;

export const releaseResolve = {
  group: 'release',
  name: 'resolve',
  description: 'Resolve a production run: the pull request that merged the commit, the next version, or nothing to do when no service changed since the newest release.',
  flags: {
    lock: { flags: '--lock <file>', help: "the lock on the production branch (default: the config's github.lockPath)", dagger: 'lockFile' },
    commit: { flags: '--commit <sha>', help: 'the commit being released (default: HEAD of this checkout)', parse: fullCommit },
    pr: { flags: '--pr <number>', help: 'the merged pull request, instead of asking GitHub', parse: positiveInt, dagger: 'pullRequest' },
    version: { flags: '--version <version>', help: 'the release version, instead of the next one the lock calls for' },
    bump: { flags: '--bump <level>', help: 'override the derived bump: major, minor or patch' },
    branch: { flags: '--branch <name>', help: 'the production branch', parse: branchName, default: productionBranch },
    releasesDir: { flags: '--releases-dir <dir>', help: "the release archive (default: the config's github.releaseArchiveDir)" },
    offline: { flags: '--offline', help: 'no GitHub: the archive alone says what was released, and no pull request is looked up' },
    ...gitHubFlags,
  },
} as const satisfies CommandSpec;

export const releaseCommitArchive = {
  group: 'release',
  name: 'commit-archive',
  description: 'Commit an archived release (locks/releases/<version>.lock.yaml) to the production branch through the GitHub API; never replaces one.',
  flags: {
    version: { flags: '--version <version>', help: 'the archived release version, e.g. v1.4.2', required: true },
    dir: { flags: '--dir <dir>', help: "the archive folder (default: the config's github.releaseArchiveDir)" },
    branch: { flags: '--branch <name>', help: 'the production branch', parse: branchName, default: productionBranch },
    ...gitHubFlags,
  },
} as const satisfies CommandSpec;
