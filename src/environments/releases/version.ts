/** Release versions are `v` + semver: the git tag name and the archive file name at once. */
const pattern =
  /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?$/;

export interface ReleaseVersion {
  text: string;
  core: [number, number, number];
  prerelease: string[];
}

export function parseReleaseVersion(text: string): ReleaseVersion | null {
  const match = pattern.exec(text);
  if (!match || text.length > 128) return null;
  const core: [number, number, number] = [Number(match[1]), Number(match[2]), Number(match[3])];
  if (!core.every(Number.isSafeInteger)) return null;
  return { text, core, prerelease: match[4] ? match[4].split('.') : [] };
}

/** Semver precedence (build metadata is not accepted, so it never has to be ignored). */
export function compareVersions(a: ReleaseVersion, b: ReleaseVersion): number {
  for (let index = 0; index < 3; index += 1) {
    const delta = a.core[index]! - b.core[index]!;
    if (delta !== 0) return Math.sign(delta);
  }
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return Math.sign(b.prerelease.length - a.prerelease.length);
  const length = Math.max(a.prerelease.length, b.prerelease.length);
  for (let index = 0; index < length; index += 1) {
    const left = a.prerelease[index];
    const right = b.prerelease[index];
    if (left === undefined) return -1;
    if (right === undefined) return 1;
    const order = compareIdentifier(left, right);
    if (order !== 0) return order;
  }
  return 0;
}

function compareIdentifier(left: string, right: string): number {
  const leftNumeric = /^\d+$/.test(left);
  const rightNumeric = /^\d+$/.test(right);
  if (leftNumeric && rightNumeric) return Math.sign(Number(left) - Number(right));
  if (leftNumeric) return -1;
  if (rightNumeric) return 1;
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * The item with the highest version below `version`: the release the next one is compared against.
 * `versionOf` names an item's version, or null for one that does not count (a draft, a stray tag).
 */
export function previousRelease<R>(items: readonly R[], version: ReleaseVersion | string, versionOf: (item: R) => string | null): R | null {
  const current = typeof version === 'string' ? parseReleaseVersion(version) : version;
  if (!current) return null;
  let best: { item: R; version: ReleaseVersion } | null = null;
  for (const item of items) {
    const text = versionOf(item);
    const parsed = text === null ? null : parseReleaseVersion(text);
    if (!parsed || compareVersions(parsed, current) >= 0) continue;
    if (!best || compareVersions(parsed, best.version) > 0) best = { item, version: parsed };
  }
  return best?.item ?? null;
}
