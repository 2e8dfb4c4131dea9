// Typed stage results end to end: each command writes what it did to --result-file, and `lockstep
// run` builds run.json from those results, so a stage's own error code and exit status reach run.json.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { StageResult } from '../../../src/cli/stageResult.js';
import { writeLock } from '../../../src/lock/write.js';
import type { RunReport } from '../../../src/report/runReport.js';
import { runCli } from '../../support/cli.js';
import { makeLock, service } from '../../support/lockFixtures.js';

let work: string;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'lockstep-stage-result-'));
  await writeFile(
    join(work, 'lockstep.config.yaml'),
    'apiVersion: lockstep/v1\nkind: Config\nrepository: shop/orchestrator\nservices:\n  cart:\n    path: services/cart\n    image: registry.example.com/shop/cart\n',
  );
  await writeLock(join(work, 'good.lock.yaml'), makeLock({ cart: service('cart') }));
});

after(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function result(name: string): Promise<StageResult> {
  return JSON.parse(await readFile(join(work, name), 'utf8')) as StageResult;
}

describe('lockstep --result-file', () => {
  it('records a passing command with its summary line and no error code', async () => {
    const run = await runCli(['--result-file', 'ok.json', 'lock', 'verify', 'good.lock.yaml'], { cwd: work });
    assert.equal(run.code, 0, run.stderr);
    const written = await result('ok.json');
    assert.deepEqual([written.schema, written.status, written.code, written.exitStatus], ['lockstep/stage-result/v1', 'passed', null, 0]);
    assert.match(written.summary, /^✔/);
  });

  it('records a failing command with its own code and the exit status the process returned', async () => {
    const run = await runCli(['--result-file', 'missing.json', 'lock', 'verify', 'missing.lock.yaml'], { cwd: work });
    const written = await result('missing.json');
    assert.notEqual(run.code, 0);
    assert.equal(written.status, 'failed');
    assert.equal(written.exitStatus, run.code);
    assert.match(run.stderr, new RegExp(written.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.ok(written.code !== null && written.code !== 'INTERNAL', written.code ?? 'null');
  });

  it('records bad flags as BAD_INPUT with exit status 2', async () => {
    const run = await runCli(['--result-file', 'flag.json', 'lock', 'verify', '--no-such-flag'], { cwd: work });
    assert.equal(run.code, 2);
    const written = await result('flag.json');
    assert.deepEqual([written.code, written.exitStatus], ['BAD_INPUT', 2]);
    assert.match(written.summary, /unknown option '--no-such-flag'/);
  });
});

describe('lockstep run builds run.json from the stage results', () => {
  it("keeps a stage's input error as BAD_INPUT with exit status 2, not a generic deploy failure", async () => {
    const run = await runCli(['run', 'rollback', '--env', 'nowhere', '--report-dir', 'report', '--offline'], { cwd: work });
    assert.equal(run.code, 1);
    const report = JSON.parse(await readFile(join(work, 'report', 'run.json'), 'utf8')) as RunReport;
    const rollback = report.stages.find((stage) => stage.name === 'rollback')!;
    assert.deepEqual([rollback.status, rollback.code, rollback.exitStatus], ['failed', 'BAD_INPUT', 2]);
    assert.match(rollback.error ?? '', /no environment "nowhere"/);
  });
});
