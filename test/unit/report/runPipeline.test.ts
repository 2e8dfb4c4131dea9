import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LockstepError } from '../../../src/errors.js';
import { renderRunReportHtml } from '../../../src/report/html.js';
import { createProgressDisplay } from '../../../src/run/progressDisplay.js';
import { runPipeline, type PipelineStage } from '../../../src/run/runPipeline.js';
import { failedRunReport } from '../../support/reportFixture.js';

const quiet = createProgressDisplay(process.stderr, true);

function stage(name: string, behaviour: 'pass' | 'fail', extra: Partial<PipelineStage> = {}, ran: string[] = []): PipelineStage {
  return {
    name,
    rerun: `lockstep ${name}`,
    ...extra,
    async run() {
      ran.push(name);
      if (behaviour === 'fail') throw new LockstepError('UNHEALTHY', `${name} broke`, { details: ['first detail'] });
      return { summary: `${name} ok` };
    },
  };
}

describe('runPipeline', () => {
  it('runs every stage in order and reports success', async () => {
    const ran: string[] = [];
    const report = await runPipeline('demo', [stage('a', 'pass', {}, ran), stage('b', 'pass', {}, ran)], quiet);
    assert.deepEqual(ran, ['a', 'b']);
    assert.equal(report.status, 'passed');
    assert.deepEqual(report.stages.map((s) => s.status), ['passed', 'passed']);
  });

  it('after a failure skips success stages with a reason, runs failure and always stages', async () => {
    const ran: string[] = [];
    const report = await runPipeline(
      'promote',
      [
        stage('health', 'pass', {}, ran),
        stage('deploy', 'fail', {}, ran),
        stage('smoke', 'pass', {}, ran),
        stage('rollback', 'pass', { when: 'failure' }, ran),
        stage('teardown', 'pass', { when: 'always' }, ran),
      ],
      quiet,
    );
    assert.deepEqual(ran, ['health', 'deploy', 'rollback', 'teardown']);
    assert.equal(report.status, 'failed');
    const byName = Object.fromEntries(report.stages.map((s) => [s.name, s]));
    assert.equal(byName.deploy!.error, 'deploy broke — first detail');
    assert.equal(byName.deploy!.rerun, 'lockstep deploy');
    assert.equal(byName.smoke!.status, 'skipped');
    assert.match(byName.smoke!.summary, /earlier stage failed/);
  });

  it('skips failure-only stages when nothing failed, and honours an explicit skip', async () => {
    const ran: string[] = [];
    const report = await runPipeline('p', [stage('gate', 'pass', { skip: 'no GitHub here' }, ran), stage('rollback', 'pass', { when: 'failure' }, ran)], quiet);
    assert.deepEqual(ran, []);
    assert.deepEqual(report.stages.map((s) => s.summary), ['no GitHub here', 'not needed: nothing failed']);
  });
});

describe('HTML run report', () => {
  it('is self-contained and escapes everything it shows', () => {
    const html = renderRunReportHtml(failedRunReport());
    assert.doesNotMatch(html, /<script|<link|src=|href=|@import|url\(/i);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /lockstep deploy --env production --lock locks\/current.lock.yaml/);
  });
});

describe('runPipeline failure-only stages', () => {
  it('runs a rollback only after the stage it guards failed', async () => {
    const ran: string[] = [];
    const afterDeployFailure = await runPipeline(
      'p',
      [stage('deploy', 'fail', {}, ran), stage('rollback', 'pass', { when: 'failure', failureOf: ['smoke'] }, ran)],
      quiet,
    );
    assert.deepEqual(ran, ['deploy']);
    assert.match(afterDeployFailure.stages[1]!.summary, /smoke did not fail/);
    const afterSmokeFailure = await runPipeline('p', [stage('smoke', 'fail', {}, ran), stage('rollback', 'pass', { when: 'failure', failureOf: ['smoke'] }, ran)], quiet);
    assert.equal(afterSmokeFailure.stages[1]!.status, 'passed');
  });
});

describe('runPipeline stage failures', () => {
  it("records a reported failure with the stage's own code and exit status, and keeps its tests", async () => {
    const held: PipelineStage = {
      name: 'deploy',
      rerun: 'lockstep deploy',
      async run() {
        const tests = [{ suite: 'api', against: 'staging', passed: 1, failed: 1, skipped: 0, failures: [{ name: 't', message: 'm' }] }];
        return { summary: 'staging is held', tests, failure: { code: 'LEASE_HELD', exitStatus: 3, message: 'staging is held by run 7', details: ['since 10:00'] } };
      },
    };
    const report = await runPipeline('p', [held, stage('smoke', 'pass')], quiet);
    const deploy = report.stages[0]!;
    assert.deepEqual([deploy.status, deploy.code, deploy.exitStatus, deploy.error], ['failed', 'LEASE_HELD', 3, 'staging is held by run 7 — since 10:00']);
    assert.equal(report.tests[0]!.failed, 1);
    assert.equal(report.stages[1]!.status, 'skipped');
  });

  it('records a thrown LockstepError with its code and a bug as INTERNAL', async () => {
    const bug: PipelineStage = { name: 'bug', rerun: 'lockstep bug', when: 'always', run: () => Promise.reject(new TypeError('x is undefined')) };
    const report = await runPipeline('p', [stage('health', 'fail'), bug], quiet);
    assert.deepEqual(report.stages.map((s) => [s.code, s.exitStatus]), [['UNHEALTHY', 1], ['INTERNAL', 70]]);
  });
});

describe('runPipeline outputs and an early end', () => {
  it('gives later stages the outputs of earlier ones, and a later output of the same name wins', async () => {
    const seen: Array<Record<string, string>> = [];
    const emitting = (name: string, outputs: Record<string, string>): PipelineStage => ({
      name,
      rerun: `lockstep ${name}`,
      async run(_note, given) {
        seen.push({ ...given });
        return { summary: 'ok', outputs, rerun: `lockstep ${name} --filled` };
      },
    });
    const report = await runPipeline('p', [emitting('resolve', { version: 'v1.2.0', pr: '7' }), emitting('deploy', { pr: '8' }), emitting('archive', {})], quiet);
    assert.deepEqual(seen, [{}, { version: 'v1.2.0', pr: '7' }, { version: 'v1.2.0', pr: '8' }]);
    assert.equal(report.stages[1]!.rerun, 'lockstep deploy --filled', 'the report shows the command as it ran');
  });

  it('ends as a success when a stage finds nothing to do: later stages skipped with its reason, teardown still runs', async () => {
    const ran: string[] = [];
    const resolve: PipelineStage = {
      name: 'release resolve',
      rerun: 'lockstep release resolve',
      async run() {
        ran.push('release resolve');
        return { summary: 'nothing to do', endRun: 'no service changed since release v1.0.0; nothing deployed' };
      },
    };
    const report = await runPipeline(
      'promote-production',
      [resolve, stage('deploy', 'pass', {}, ran), stage('rollback', 'pass', { when: 'failure' }, ran), stage('down', 'pass', { when: 'always' }, ran)],
      quiet,
    );
    assert.deepEqual(ran, ['release resolve', 'down']);
    assert.equal(report.status, 'passed');
    assert.equal(report.conclusion, 'no service changed since release v1.0.0; nothing deployed');
    assert.deepEqual(report.stages.map((s) => s.status), ['passed', 'skipped', 'skipped', 'passed']);
    assert.equal(report.stages[1]!.summary, 'not needed: no service changed since release v1.0.0; nothing deployed');
    assert.match(renderRunReportHtml(report), /<strong>no service changed since release v1\.0\.0; nothing deployed<\/strong>/);
  });

  it('does not end the run for a stage that failed, whatever it said', async () => {
    const failing: PipelineStage = {
      name: 'resolve',
      rerun: 'lockstep resolve',
      run: async () => ({ summary: 'x', endRun: 'nothing to do', failure: { code: 'GATE_REFUSED', exitStatus: 4, message: 'no pull request', details: [] } }),
    };
    const report = await runPipeline('p', [failing, stage('rollback', 'pass', { when: 'failure' })], quiet);
    assert.equal(report.status, 'failed');
    assert.equal(report.conclusion, undefined);
    assert.equal(report.stages[1]!.status, 'passed');
  });
});
