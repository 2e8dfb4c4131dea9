import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const root = join(import.meta.dirname, '..', '..', '..');
const bin = join(root, 'bin', 'lockstep.js');
// bin/lockstep.js loads the bundle npm run build writes.
const built = existsSync(join(root, 'dist', 'bin', 'main.js'));
const lock = join(root, 'locks', 'example.lock.yaml');

function lockstep(args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
}

describe('lockstep release next-version', { skip: built ? false : 'dist/ is not built: run `npm run build` (npm test does)' }, () => {
  it('starts at v1.0.0, follows the archive, takes --bump, and refuses an unknown bump with exit 2', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lockstep-next-version-'));
    try {
      assert.equal(lockstep(['release', 'next-version', '--lock', lock, '--dir', dir]).stdout, 'v1.0.0\n');
      assert.equal(lockstep(['release', '--lock', lock, '--version', 'v1.2.3', '--dir', dir]).status, 0);
      assert.equal(lockstep(['release', 'next-version', '--lock', lock, '--dir', dir]).stdout, 'v1.2.4\n');
      const major = lockstep(['--json', 'release', 'next-version', '--lock', lock, '--dir', dir, '--bump', 'major']);
      assert.deepEqual(JSON.parse(major.stdout), { version: 'v2.0.0', bump: 'major', reason: 'chosen by hand (major)' });
      const bad = lockstep(['release', 'next-version', '--lock', lock, '--dir', dir, '--bump', 'huge']);
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--bump: "huge" is not one of major, minor, patch/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
