import type { ReleaseLock } from '../../lock/schema.js';
import { parseReleaseVersion, type ReleaseVersion } from './version.js';

export type ReleaseBump = 'major' | 'minor' | 'patch';

export interface NextVersionInput {
  /** The last released version and its lock; null before the first release. */
  released: { version: string; lock: Pick<ReleaseLock, 'services'> } | null;
  lock: Pick<ReleaseLock, 'services'>;
  /** A bump chosen by hand (the flag), which wins over the one the lock suggests. */
  override?: ReleaseBump;
}

export interface NextVersion {
  version: string;
  bump: ReleaseBump;
  /** Why this bump: the service and the tag change that decided it, or the override. */
  reason: string;
}

const rank: Record<ReleaseBump, number> = { patch: 0, minor: 1, major: 2 };

/** A service tag read as a version: `1.4.2`, `v1.4.2`, with an optional prerelease; null for `sha-…` and the like. */
function tagVersion(tag: string): ReleaseVersion | null {
  return parseReleaseVersion(tag.startsWith('v') ? tag : `v${tag}`);
}

/** The semver change from one service tag to the next; patch when either is not a version (a rebuild, a sha tag). */
export function serviceBump(before: string, after: string): ReleaseBump {
  const from = tagVersion(before);
  const to = tagVersion(after);
  if (!from || !to) return 'patch';
  if (to.core[0] !== from.core[0]) return 'major';
  if (to.core[1] !== from.core[1]) return 'minor';
  return 'patch';
}

/**
 * The next release version: the largest semver change among the services that changed since the last
 * release (a major bump of any one service makes a major release; a new service is a minor change; a
 * removed one a major change), unless overridden. The first release is v1.0.0.
 */
export function nextReleaseVersion(input: NextVersionInput): NextVersion {
  if (!input.released) return { version: 'v1.0.0', bump: input.override ?? 'major', reason: 'the first release' };
  const base = parseReleaseVersion(input.released.version);
  if (!base) throw new Error(`the last release "${input.released.version}" is not a release version`);
  let bump: ReleaseBump = 'patch';
  let reason = 'no service changed';
  let changed = false;
  // The first change names the reason; only a strictly larger change replaces it.
  const consider = (candidate: ReleaseBump, why: string): void => {
    if (!changed || rank[candidate] > rank[bump]) [bump, reason] = [candidate, why];
    changed = true;
  };
  const before = input.released.lock.services;
  const after = input.lock.services;
  for (const name of Object.keys(after).sort()) {
    const previous = before[name];
    const current = after[name]!;
    if (!previous) consider('minor', `${name} is new`);
    else if (previous.digest !== current.digest || previous.tag !== current.tag) consider(serviceBump(previous.tag, current.tag), `${name} ${previous.tag} → ${current.tag}`);
  }
  for (const name of Object.keys(before).sort()) if (!after[name]) consider('major', `${name} was removed`);
  if (input.override) [bump, reason] = [input.override, `chosen by hand (${input.override})`];
  const [major, minor, patch] = base.core;
  const version = bump === 'major' ? `v${major + 1}.0.0` : bump === 'minor' ? `v${major}.${minor + 1}.0` : `v${major}.${minor}.${patch + 1}`;
  return { version, bump, reason };
}
