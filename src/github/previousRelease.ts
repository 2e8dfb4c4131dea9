/** Release tags are `v` + semantic version; their order follows semver precedence. */
export interface ReleaseVersion {
  tag: string;
  core: [number, number, number];
  prerelease: string[];
}

const pattern =
  /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

export function parseReleaseVersion(tag: string): ReleaseVersion | null {
  const match = pattern.exec(tag);
  if (!match) return null;
  return {
    tag,
    core: [Number(match[1]), Number(match[2]), Number(match[3])],
    prerelease: match[4] ? match[4].split('.') : [],
  };
}

function compareIdentifiers(a: string, b: string): number {
  const numericA = /^\d+$/.test(a);
  const numericB = /^\d+$/.test(b);
  if (numericA && numericB) return Number(a) - Number(b);
  if (numericA !== numericB) return numericA ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareVersions(a: ReleaseVersion, b: ReleaseVersion): number {
  for (let index = 0; index < 3; index += 1) {
    const delta = a.core[index]! - b.core[index]!;
    if (delta !== 0) return delta;
  }
  // A pre-release sorts before its release; build metadata does not count.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return b.prerelease.length - a.prerelease.length;
  for (let index = 0; index < Math.max(a.prerelease.length, b.prerelease.length); index += 1) {
    const x = a.prerelease[index];
    const y = b.prerelease[index];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const delta = compareIdentifiers(x, y);
    if (delta !== 0) return delta;
  }
  return 0;
}

/** The newest published release older than `version`: the one the release notes diff against. */
export function previousRelease<R extends { tag: string; draft: boolean }>(releases: R[], version: ReleaseVersion): R | null {
  let best: { release: R; version: ReleaseVersion } | null = null;
  for (const release of releases) {
    if (release.draft) continue;
    const parsed = parseReleaseVersion(release.tag);
    if (!parsed || compareVersions(parsed, version) >= 0) continue;
    if (!best || compareVersions(parsed, best.version) > 0) best = { release, version: parsed };
  }
  return best?.release ?? null;
}
