import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const moduleUrl = new URL('../../../src/compose/composeCommand.ts', import.meta.url).href;
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/**
 * Each detection runs in a fresh process (detection is memoised per process), with a PATH holding only
 * fake `docker` (no compose plugin) and `docker-compose` (counts its calls) scripts.
 */
describe('compose detection', () => {
  let dir: string;
  let counter: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-compose-detect-'));
    counter = join(dir, 'calls');
    await writeFile(join(dir, 'docker'), '#!/bin/sh\necho "docker: \'compose\' is not a docker command." >&2\nexit 1\n');
    await writeFile(join(dir, 'docker-compose'), `#!/bin/sh\necho call >> "${counter}"\necho 1.29.9\n`);
    await chmod(join(dir, 'docker'), 0o755);
    await chmod(join(dir, 'docker-compose'), 0o755);
  });

  after(() => rm(dir, { recursive: true, force: true }));

  function detect(): { version: number; versionText: string } {
    const script = `import { detectCompose } from ${JSON.stringify(moduleUrl)}; const c = await detectCompose(); console.log(JSON.stringify(c));`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { PATH: dir, HOME: join(dir, 'home'), XDG_CACHE_HOME: join(dir, 'cache') },
    });
    assert.equal(result.status, 0, result.stderr);
    return JSON.parse(result.stdout) as { version: number; versionText: string };
  }

  const calls = async () => (await readFile(counter, 'utf8').catch(() => '')).split('\n').filter(Boolean).length;

  it('falls back to docker-compose v1 and probes its version once per installed binary', async () => {
    assert.deepEqual(detect(), { program: 'docker-compose', prefix: [], version: 1, versionText: '1.29.9' });
    assert.equal(await calls(), 1);
    assert.equal(detect().versionText, '1.29.9');
    assert.equal(await calls(), 1, 'the second command reads the cached version');
  });

  it('probes again when the binary changes', async () => {
    const later = new Date(Date.now() + 60_000);
    await utimes(join(dir, 'docker-compose'), later, later);
    assert.equal(detect().versionText, '1.29.9');
    assert.equal(await calls(), 2);
  });
});
