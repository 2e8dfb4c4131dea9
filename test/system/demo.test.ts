import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { readLock } from '../../src/lock/read.js';
import type { DemoResult } from '../../src/demo/runDemo.js';
import type { RunReport } from '../../src/report/runReport.js';
import { docker, dockerUnavailableReason, listProjectContainers, removeProjectResources } from '../../support/docker.js';

const cli = new URL('../../bin/lockstep.js', import.meta.url).pathname;
let cleanup: (() => Promise<void>) | undefined;

after(async () => {
  await cleanup?.();
});

function runDemo(cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, '--json', 'demo', '--keep', '--report-dir', 'report/demo'], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The digest each running service of a compose project was started from, read from docker itself. */
async function liveDigests(project: string, services: string[]): Promise<Record<string, string>> {
  const digests: Record<string, string> = {};
  for (const container of await listProjectContainers(project)) {
    if (container.state !== 'running') continue;
    const [service, image] = (await docker(['inspect', '--format', '{{index .Config.Labels "com.docker.compose.service"}} {{.Config.Image}}', container.id])).trim().split(' ');
    if (services.includes(service!)) digests[service!] = image!.slice(image!.indexOf('@') + 1);
  }
  return digests;
}

it('lockstep demo: release v1.0.0 reaches production, a broken release restores itself, rollback restores v1.0.0 (system test)', { timeout: 15 * 60_000 }, async (t) => {
  const unavailable = await dockerUnavailableReason();
  if (unavailable) {
    t.skip(`docker daemon not reachable: ${unavailable}`);
    return;
  }
  const cwd = await mkdtemp(join(tmpdir(), 'lockstep-demo-test-'));
  const outcome = await runDemo(cwd);
  const result = JSON.parse(outcome.stdout) as DemoResult;
  cleanup = async () => {
    for (const project of result.sandbox.projects) await removeProjectResources(project);
    await docker(['rm', '--force', '--volumes', result.sandbox.registryContainer]).catch(() => '');
  };
  assert.equal(outcome.code, 0, outcome.stderr.split('\n').slice(-30).join('\n'));

  const [, staging, production] = result.sandbox.projects;
  const v1 = await readLock(join(cwd, 'report/demo/v1.0.0.lock.yaml'));
  const v1Digests = Object.fromEntries(Object.entries(v1.services).map(([name, service]) => [name, service.digest]));

  // What docker runs, not what the demo says: both environments on v1.0.0's digests.
  assert.deepEqual(await liveDigests(production!, Object.keys(v1Digests)), v1Digests);
  assert.deepEqual(await liveDigests(staging!, Object.keys(v1Digests)), v1Digests);

  // The release archive holds v1.0.0 only: the broken v1.1.0 never got archived.
  const archive = await readdir(join(result.sandbox.dir, 'orchestrator/locks/releases'));
  assert.deepEqual(archive, ['v1.0.0.lock.yaml']);

  // The broken production promotion failed at its deploy, which restored v1.0.0 by itself.
  const broken = JSON.parse(await readFile(join(cwd, 'report/demo/06-promote-production/run.json'), 'utf8')) as RunReport;
  assert.equal(broken.status, 'failed');
  const deploy = broken.stages.find((stage) => stage.name === 'deploy')!;
  assert.equal(deploy.status, 'failed');
  assert.match(deploy.rerun, /^lockstep --config lockstep.config.yaml deploy --env production --lock locks\/current.lock.yaml$/);
  assert.equal(broken.stages.find((stage) => stage.name === 'release archive')!.status, 'skipped');
  assert.equal(result.automaticRollback.restoredTo, 'v1.0.0');

  // The broken release did reach staging (it fails in production only), and the manual rollback undid it.
  const stagingRun = JSON.parse(await readFile(join(cwd, 'report/demo/05-promote-staging/run.json'), 'utf8')) as RunReport;
  assert.equal(stagingRun.status, 'passed');
  const brokenLock = stagingRun.locks[0]!.lock;
  assert.notEqual(brokenLock.services.catalog!.digest, v1.services.catalog!.digest);
  const rollbackRun = JSON.parse(await readFile(join(cwd, 'report/demo/07-rollback/run.json'), 'utf8')) as RunReport;
  assert.deepEqual(rollbackRun.stages.map((stage) => [stage.name, stage.status]), [['rollback', 'passed'], ['smoke', 'passed']]);

  // Every pipeline run left its report, and the pull-request checks ran real suites.
  for (const dir of ['01-pr-check', '02-promote-staging', '03-promote-production', '04-pr-check', '05-promote-staging', '06-promote-production', '07-rollback']) {
    assert.ok(existsSync(join(cwd, 'report/demo', dir, 'index.html')), `${dir}/index.html`);
  }
  const prCheck = JSON.parse(await readFile(join(cwd, 'report/demo/01-pr-check/run.json'), 'utf8')) as RunReport;
  assert.ok(prCheck.tests.length >= 2 && prCheck.tests.every((suite) => suite.failed === 0 && suite.passed > 0), JSON.stringify(prCheck.tests));
  assert.match(await readFile(join(cwd, 'report/demo/01-pr-check/pr-comment.md'), 'utf8'), /catalog/);
  assert.match(await readFile(join(cwd, 'report/demo/02-promote-staging/promotion-pr.md'), 'utf8'), new RegExp(v1.integrity));
});
