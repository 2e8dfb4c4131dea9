import { compareVersions, parseReleaseVersion, type ReleaseVersion } from '../environments/releases/version.js';

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
