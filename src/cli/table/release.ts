import { productionBranch } from '../../defaults.js';
import { branchName, fullCommit } from '../parse.js';
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
