import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));
const built = existsSync(`${root}dist/cli/commands/policy.js`);

function lockstep(args: string[], input?: string, cwd = fixtures): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${root}bin/lockstep.js`, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

describe('lockstep policy digest-only (the built CLI)', () => {
  it('exits 4 with the table on stdout and one summary line on stderr', async (t) => {
    if (!built) return t.skip('dist/ is not built: npm test builds it first (or run npm run build)');
    const result = await lockstep(['policy', 'digest-only', 'values-prod.yaml']);
    assert.equal(result.code, 4);
    assert.match(result.stdout, /values-prod\.yaml:\d+ +helm-values +cart\.image/);
    assert.equal(result.stderr.split('\n')[0], 'lockstep: 2 of 4 image references are not pinned by digest (1 use latest)');
  });

  it('--json prints the report and keeps the exit status; - reads standard input', async (t) => {
    if (!built) return t.skip('dist/ is not built: npm test builds it first (or run npm run build)');
    const failing = await lockstep(['--json', 'policy', 'digest-only', 'manifests.yaml']);
    assert.equal(failing.code, 4);
    const report = JSON.parse(failing.stdout) as { ok: boolean; violations: Array<{ file: string; line: number; latest: boolean }> };
    assert.equal(report.ok, false);
    assert.equal(report.violations.filter((violation) => violation.latest).length, 3);
    const clean = await lockstep(['policy', 'digest-only', '-'], `services:\n  a:\n    image: r/a@sha256:${'1'.repeat(64)}\n`);
    assert.equal(clean.code, 0, clean.stderr);
    assert.match(clean.stdout, /✔ 1 image reference in 1 file, all pinned by digest/);
  });

  it('bad input exits 2 with one line naming the file', async (t) => {
    if (!built) return t.skip('dist/ is not built: npm test builds it first (or run npm run build)');
    const result = await lockstep(['policy', 'digest-only', 'missing.yaml']);
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'lockstep: missing.yaml: file not found\n');
  });

  it('with no paths checks the files the config names, not the rest of the repository', async (t) => {
    if (!built) return t.skip('dist/ is not built: npm test builds it first (or run npm run build)');
    const repo = await mkdtemp(join(tmpdir(), 'lockstep-policy-config-'));
    try {
      const pinned = `r.example.com/cart@sha256:${'1'.repeat(64)}`;
      await mkdir(join(repo, 'deploy'));
      await mkdir(join(repo, 'test', 'fixtures'), { recursive: true });
      // A fixture full of moving tags that the config never names: a walk of "." would fail on it.
      await writeFile(join(repo, 'test', 'fixtures', 'bad.yaml'), 'services:\n  a:\n    image: r.example.com/a:latest\n');
      await writeFile(join(repo, 'compose.yaml'), `services:\n  cart:\n    image: ${pinned}\n`);
      await writeFile(join(repo, 'deploy', 'prod.yaml'), 'services:\n  cart:\n    image: r.example.com/cart:1.2\n');
      const config = (envFiles: string) =>
        ['apiVersion: lockstep/v1', 'kind: Config', 'services:', '  cart:', '    path: services/cart', '    image: r.example.com/cart', 'stack:', '  composeFile: compose.yaml',
          'environments:', '  prod:', '    target:', '      type: compose', '      project: prod', `      composeFiles: [${envFiles}]`, ''].join('\n');
      await writeFile(join(repo, 'lockstep.config.yaml'), config('compose.yaml'));
      const clean = await lockstep(['policy', 'digest-only'], undefined, repo);
      assert.equal(clean.code, 0, clean.stderr);
      assert.match(clean.stdout, /skipped locks\/current\.lock\.yaml: named by github\.lockPath in the config, not found/);
      assert.match(clean.stdout, /✔ 1 image reference in 1 file, all pinned by digest/);
      await writeFile(join(repo, 'lockstep.config.yaml'), config('compose.yaml, deploy/prod.yaml'));
      const failing = await lockstep(['policy', 'digest-only'], undefined, repo);
      assert.equal(failing.code, 4);
      assert.match(failing.stdout, /deploy\/prod\.yaml:3 /);
      assert.doesNotMatch(failing.stdout, /fixtures/);
    } finally {
      await rm(repo, { recursive: true, force: true });
    }
  });

  it('passes on this repository with no paths (what the module\'s digest-only check runs)', async (t) => {
    if (!built) return t.skip('dist/ is not built: npm test builds it first (or run npm run build)');
    const result = await lockstep(['policy', 'digest-only'], undefined, root);
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });
});
