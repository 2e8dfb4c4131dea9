import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseRollback, type ArchivedRelease } from '../../../src/environments/releases/selectRelease.js';
import { compareVersions, parseReleaseVersion, previousRelease } from '../../../src/environments/releases/version.js';

const integrity = (seed: string) => `sha256:${seed.repeat(64).slice(0, 64)}`;
const release = (version: string, seed: string): ArchivedRelease => ({ version, file: `locks/releases/${version}.lock.yaml`, integrity: integrity(seed) });

describe('release versions', () => {
  it('accepts v + semver without build metadata only', () => {
    for (const good of ['v1.2.3', 'v0.0.0', 'v10.20.30-rc.1', 'v1.0.0-alpha-1']) assert.ok(parseReleaseVersion(good), good);
    for (const bad of ['1.2.3', 'v1.2', 'v01.2.3', 'v1.2.3+build', 'v1.2.3-', 'latest', 'v1.2.3-01']) assert.equal(parseReleaseVersion(bad), null, bad);
  });

  it('orders by semver precedence, prereleases before their release, numbers numerically', () => {
    const ordered = ['v1.0.0-alpha', 'v1.0.0-alpha.1', 'v1.0.0-alpha.beta', 'v1.0.0-beta.2', 'v1.0.0-beta.11', 'v1.0.0-rc.1', 'v1.0.0', 'v1.2.0', 'v1.10.0', 'v2.0.0'];
    const shuffled = [...ordered].reverse();
    const sorted = shuffled.map((text) => parseReleaseVersion(text)!).sort(compareVersions).map((version) => version.text);
    assert.deepEqual(sorted, ordered);
  });
});

describe('previous release', () => {
  const byVersion = (entry: ArchivedRelease) => entry.version;
  const archive = [release('v1.10.0', 'c'), release('v1.2.0', 'a'), release('v1.9.0', 'b'), release('v2.0.0-rc.1', 'd')];

  it('is the highest archived version below, not the last file by name', () => {
    assert.equal(previousRelease(archive, 'v2.0.0', byVersion)?.version, 'v2.0.0-rc.1');
    assert.equal(previousRelease(archive, 'v1.10.0', byVersion)?.version, 'v1.9.0');
    assert.equal(previousRelease(archive, 'v1.2.0', byVersion), null);
  });
});

describe('rollback target', () => {
  const archive = [release('v1.0.0', 'a'), release('v1.1.0', 'b'), release('v1.2.0', 'c'), release('v1.2.1', 'c')];

  it('defaults to the release before the live one, skipping releases of the same lock', () => {
    const choice = chooseRollback(archive, integrity('c'));
    assert.ok(choice.ok);
    assert.equal(choice.release.version, 'v1.1.0');
    assert.equal(choice.live?.version, 'v1.2.1');
  });

  it('goes to the release named with --to, even a later one', () => {
    const choice = chooseRollback(archive, integrity('a'), 'v1.2.0');
    assert.ok(choice.ok && choice.release.version === 'v1.2.0');
  });

  it('explains when there is nothing to go back to', () => {
    const first = chooseRollback(archive, integrity('a'));
    assert.ok(!first.ok && /no release is archived before v1.0.0/.test(first.problem));
    const unknown = chooseRollback(archive, integrity('z'));
    assert.ok(!unknown.ok && /not an archived release/.test(unknown.problem));
    const none = chooseRollback(archive, null);
    assert.ok(!none.ok && /no lock is recorded/.test(none.problem));
    const missing = chooseRollback(archive, integrity('c'), 'v9.9.9');
    assert.ok(!missing.ok && /v9.9.9 is not archived \(archived: v1.0.0, v1.1.0, v1.2.0, v1.2.1\)/.test(missing.problem));
  });
});

describe('rollback target after a failed deploy', () => {
  // v1.3.0 is archived with the lock of v1.0.0 again (a re-release), v1.2.0 is the new, failing one.
  const archive = [release('v1.0.0', 'a'), release('v1.1.0', 'b'), release('v1.2.0', 'c'), release('v1.3.0', 'a')];

  it('returns to the newest release of the lock that ran before, whatever is archived since', () => {
    const choice = chooseRollback(archive, integrity('c'), { lock: integrity('b') });
    assert.ok(choice.ok);
    assert.equal(choice.release.version, 'v1.1.0');
    const again = chooseRollback(archive, integrity('c'), { lock: integrity('a') });
    assert.ok(again.ok);
    assert.equal(again.release.version, 'v1.3.0');
  });

  it('does not fall back on "the release before the live one" when the lock that ran is not archived', () => {
    const choice = chooseRollback(archive, integrity('c'), { lock: integrity('e') });
    assert.equal(choice.ok, false);
    assert.match(!choice.ok ? choice.problem : '', /not an archived release/);
  });
});
