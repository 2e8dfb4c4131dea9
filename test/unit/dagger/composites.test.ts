import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatDuration,
  hotfixPlan,
  lockDiffUnchanged,
  prCheckPlan,
  promoteProductionPlan,
  promoteStagingPlan,
  renderSummary,
  rollbackPlan,
  runPipeline,
  type CompositePlan,
  type CompositeStep,
  type PipelineHooks,
  type StageExecution,
} from '../../../dagger/src/composites.js';
import { StageInputError, type ModuleSettings, type StageName } from '../../../dagger/src/stagePlans.js';

const settings: ModuleSettings = {
  lockPath: 'locks/current.lock.yaml',
  repository: 'acme/shop',
  registryUsername: 'ci-bot',
  provided: { githubToken: true, registryAuth: true, kubeconfig: true, dockerSocket: false },
};

const unchangedDiff = JSON.stringify({ from: 'sha256:a', to: 'sha256:b', services: [], summary: { added: 0, removed: 0, changed: 0, unchanged: 4 } });
const changedDiff = JSON.stringify({ from: 'sha256:a', to: 'sha256:b', services: [], summary: { added: 0, removed: 0, changed: 1, unchanged: 3 } });

interface Script {
  /** Report files earlier stages left behind. */
  reportFiles?: string[];
  /** Per stage: exit code, stdout, stderr; a string makes the executor throw. */
  results?: Partial<Record<StageName, Partial<StageExecution> | string>>;
  committedLock?: boolean;
  /** Milliseconds each stage takes on the fake clock. */
  took?: Partial<Record<StageName, number>>;
}

/** A stateful stand-in for the engine: records what ran, answers as scripted, advances a clock. */
function engine(script: Script = {}) {
  const ran: CompositeStep[] = [];
  let clock = Date.UTC(2026, 0, 31, 12, 0, 0);
  const hooks: PipelineHooks = {
    now: () => clock,
    sourceFileExists: async (path) => path === settings.lockPath && (script.committedLock ?? true),
    reportFileExists: async (path) => (script.reportFiles ?? []).includes(path),
    execute: async (step) => {
      ran.push(step);
      clock += script.took?.[step.call.stage] ?? 1000;
      const result = script.results?.[step.call.stage];
      if (typeof result === 'string') throw new Error(result);
      return { exitCode: 0, stdout: '', stderr: '', outputs: [`logs/${step.call.stage}.log`], ...result };
    },
  };
  return { hooks, ran };
}

const statuses = (report: Awaited<ReturnType<typeof runPipeline>>) => report.stages.map((stage) => `${stage.function}:${stage.status}`);

describe('prCheck', () => {
  const plan = prCheckPlan({ pullRequest: 42, branch: 'dev' }, settings);

  it('locks, tests, comments, diffs against the committed lock and commits it when it changed', async () => {
    const { hooks, ran } = engine({ results: { lockDiff: { stdout: changedDiff } } });
    const report = await runPipeline(plan, settings, hooks);
    assert.equal(report.status, 'passed');
    assert.deepEqual(statuses(report), ['lock-generate:passed', 'stack-test:passed', 'pr-comment:passed', 'lock-diff:passed', 'commit-lock:passed']);
    assert.deepEqual(ran[1]!.call, { stage: 'stackTest', inputs: { lock: '.lockstep/run/lock.yaml', suite: undefined } });
    assert.deepEqual(ran[3]!.call, { stage: 'lockDiff', inputs: { before: 'locks/current.lock.yaml', after: '.lockstep/run/lock.yaml', format: 'json' } });
    assert.deepEqual(ran[4]!.call, { stage: 'commitLock', inputs: { branch: 'dev', lock: '.lockstep/run/lock.yaml', pullRequest: 42 } });
    assert.equal(ran[0]!.saveAs, 'lock.yaml');
  });

  it('ends the lock-commit chain: an unchanged lock is not committed again', async () => {
    const { hooks, ran } = engine({ results: { lockDiff: { stdout: unchangedDiff } } });
    const report = await runPipeline(plan, settings, hooks);
    assert.equal(report.status, 'passed');
    assert.equal(ran.some((step) => step.call.stage === 'commitLock'), false);
    const commit = report.stages.at(-1)!;
    assert.equal(commit.status, 'skipped');
    assert.equal(commit.summary, 'skipped: the committed lock pins the same services');
    assert.match(commit.rerun, /commit-lock --branch dev --lock .lockstep\/run\/lock.yaml --pull-request 42$/);
    assert.doesNotMatch(renderSummary(report), /## Rerun/);
  });

  it('commits the first lock when none is committed yet, without diffing', async () => {
    const { hooks, ran } = engine({ committedLock: false });
    const report = await runPipeline(plan, settings, hooks);
    assert.deepEqual(statuses(report).slice(3), ['lock-diff:skipped', 'commit-lock:passed']);
    assert.equal(report.stages[3]!.summary, 'skipped: no lock committed at locks/current.lock.yaml yet');
    assert.deepEqual(ran.map((step) => step.call.stage), ['lockGenerate', 'stackTest', 'prComment', 'commitLock']);
  });

  it('stops at a failing stack test, skips the rest and says how to rerun each', async () => {
    const { hooks, ran } = engine({ results: { stackTest: { exitCode: 1, stdout: 'ok 1\n', stderr: 'api: GET /cart returned 500\nnot ok 2 - cart total' } } });
    const report = await runPipeline(plan, settings, hooks);
    assert.equal(report.status, 'failed');
    assert.equal(report.rolledBack, false);
    assert.deepEqual(ran.map((step) => step.call.stage), ['lockGenerate', 'stackTest']);
    assert.deepEqual(statuses(report), ['lock-generate:passed', 'stack-test:failed', 'pr-comment:skipped', 'lock-diff:skipped', 'commit-lock:skipped']);
    const failed = report.stages[1]!;
    assert.equal(failed.exitCode, 1);
    assert.match(failed.detail!, /api: GET \/cart returned 500\nnot ok 2 - cart total/);
    assert.equal(failed.error, 'not ok 2 - cart total');
    assert.equal(failed.summary, 'exit 1: not ok 2 - cart total');
    assert.equal(failed.rerun, 'dagger call --registry-username ci-bot --registry-auth env://LOCKSTEP_REGISTRY_PASSWORD stack-test --lock .lockstep/run/lock.yaml');
    assert.equal(
      report.stages[2]!.rerun,
      'dagger call --github-token env://GITHUB_TOKEN --repository acme/shop pr-comment --pull-request 42 --lock .lockstep/run/lock.yaml',
    );
    assert.equal(report.stages[2]!.summary, 'skipped: stack-test failed');
  });

  it('records an executor error as a failed stage instead of throwing', async () => {
    const { hooks } = engine({ results: { lockGenerate: 'pull access denied for registry.example.com/cart' } });
    const report = await runPipeline(plan, settings, hooks);
    assert.equal(report.stages[0]!.status, 'failed');
    assert.equal(report.stages[0]!.error, 'pull access denied for registry.example.com/cart');
    assert.equal(report.stages[0]!.exitCode, undefined);
  });

  it('writes the run in the schema of the CLI run report, with tests and artifacts gathered', async () => {
    const suite = { suite: 'api', against: 'stack', passed: 3, failed: 0, skipped: 1, failures: [] };
    const { hooks } = engine({ results: { stackTest: { stdout: 'ran 1 suite\n\n', tests: [suite], outputs: ['logs/stack-test.log', 'stack-test'] }, lockDiff: { stdout: changedDiff } } });
    const report = await runPipeline(plan, settings, hooks);
    assert.equal(report.schema, 'lockstep/run-report/v1');
    assert.deepEqual(report.tests, [suite]);
    assert.ok(report.artifacts.includes('stack-test'));
    assert.equal(report.stages[1]!.summary, 'ran 1 suite');
    assert.deepEqual(report.locks, []);
    for (const stage of report.stages) assert.match(stage.startedAt, /^2026-01-31T12:0\d:\d\d\.\d{3}Z$/);
  });

  it('times each stage and the whole run with the clock it is given', async () => {
    const { hooks } = engine({ took: { lockGenerate: 2500, stackTest: 61_000 }, results: { lockDiff: { stdout: changedDiff } } });
    const report = await runPipeline(plan, settings, hooks);
    assert.deepEqual(report.stages.map((stage) => stage.durationMs), [2500, 61_000, 1000, 1000, 1000]);
    assert.equal(report.durationMs, 66_500);
    assert.equal(report.startedAt, '2026-01-31T12:00:00.000Z');
    assert.equal(report.finishedAt, '2026-01-31T12:01:06.500Z');
  });

  it('gives the rerun line of the whole composite with the constructor flags all its stages need', async () => {
    const { hooks } = engine();
    const report = await runPipeline(prCheckPlan({ pullRequest: 42, branch: 'dev', suite: 'api' }, settings), settings, hooks);
    assert.equal(
      report.rerun,
      'dagger call --github-token env://GITHUB_TOKEN --repository acme/shop --registry-username ci-bot --registry-auth env://LOCKSTEP_REGISTRY_PASSWORD pr-check --pull-request 42 --branch dev --suite api',
    );
  });
});

describe('promoteProduction', () => {
  const plan = promoteProductionPlan({ pullRequest: 12, version: 'v1.4.0', lockFromArgument: false }, settings);

  it('tags the commit the push released, not whatever main points at by then', async () => {
    const commit = 'e'.repeat(40);
    const { hooks, ran } = engine();
    const report = await runPipeline(promoteProductionPlan({ pullRequest: 12, version: 'v1.4.0', commit, lockFromArgument: false }, settings), settings, hooks);
    assert.deepEqual(ran.at(-1)!.call, { stage: 'publishRelease', inputs: { version: 'v1.4.0', lock: '.lockstep/run/lock.yaml', target: commit } });
    assert.match(report.rerun, new RegExp(`--commit ${commit}$`));
  });

  it('runs gate, health, deploy, smoke, release and publish in that order on the committed lock', async () => {
    const { hooks, ran } = engine();
    const report = await runPipeline(plan, settings, hooks);
    assert.equal(report.status, 'passed');
    assert.deepEqual(ran.map((step) => step.call.stage), ['approvalGate', 'healthCheck', 'deploy', 'smokeTest', 'release', 'publishRelease']);
    assert.deepEqual(plan.seeds, [{ reportName: 'lock.yaml', from: 'source', path: 'locks/current.lock.yaml' }]);
    assert.ok(ran.every((step) => !('lock' in step.call.inputs) || (step.call.inputs as { lock?: string }).lock === '.lockstep/run/lock.yaml'));
  });

  it('rolls production back when the smoke tests fail, and still reports the run as failed', async () => {
    const { hooks, ran } = engine({ results: { smokeTest: { exitCode: 1, stderr: 'checkout: 503 after 3 retries' } } });
    const report = await runPipeline(plan, settings, hooks);
    assert.equal(report.status, 'failed');
    assert.equal(report.rolledBack, true);
    assert.deepEqual(ran.map((step) => step.call.stage), ['approvalGate', 'healthCheck', 'deploy', 'smokeTest', 'rollback']);
    const rollback = report.stages.at(-1)!;
    assert.equal(rollback.role, 'rollback');
    assert.deepEqual(ran.at(-1)!.call, { stage: 'rollback', inputs: { environment: 'production' } });
    assert.deepEqual(statuses(report).slice(4, 6), ['release:skipped', 'publish-release:skipped']);
  });

  it('says so when the rollback itself fails', async () => {
    const { hooks } = engine({ results: { smokeTest: { exitCode: 1 }, rollback: { exitCode: 3, stderr: 'lease held by run 88' } } });
    const report = await runPipeline(plan, settings, hooks);
    assert.equal(report.rolledBack, false);
    assert.equal(report.stages.at(-1)!.status, 'failed');
    assert.match(report.stages.at(-1)!.rerun!, /dagger call .* rollback --environment production$/);
  });

  it('does not roll back when the deploy fails (it restores on its own) or when only the release step fails', async () => {
    for (const failing of ['deploy', 'release', 'approvalGate'] as const) {
      const { hooks, ran } = engine({ results: { [failing]: { exitCode: 1 } } });
      const report = await runPipeline(plan, settings, hooks);
      assert.equal(report.status, 'failed', failing);
      assert.equal(ran.some((step) => step.call.stage === 'rollback'), false, failing);
    }
  });

  it('refuses a malformed version before running anything', async () => {
    const { hooks, ran } = engine();
    const bad = promoteProductionPlan({ pullRequest: 12, version: 'v1.4', lockFromArgument: false }, settings);
    await assert.rejects(runPipeline(bad, settings, hooks), (error: unknown) => error instanceof StageInputError && error.flag === 'version');
    assert.equal(ran.length, 0);
  });

  it('reruns with the lock it was given, by its copy in the report', async () => {
    const given = promoteProductionPlan({ pullRequest: 12, version: 'v1.4.0', lockFromArgument: true }, settings);
    assert.deepEqual(given.seeds, [{ reportName: 'lock.yaml', from: 'argument', argument: 'lock' }]);
    const { hooks } = engine();
    const report = await runPipeline(given, settings, hooks);
    assert.match(report.rerun, /promote-production --pull-request 12 --version v1.4.0 --lock .lockstep\/run\/lock.yaml$/);
    assert.match(report.rerun, /--kubeconfig env:\/\/LOCKSTEP_KUBECONFIG/);
  });
});

describe('promoteStaging, rollback and hotfix', () => {
  it('promotes staging: health, deploy, e2e, then the promotion pull request with the same lock', async () => {
    const { hooks, ran } = engine();
    const report = await runPipeline(promoteStagingPlan({ lockFromArgument: false }, settings), settings, hooks);
    assert.equal(report.status, 'passed');
    assert.deepEqual(ran.map((step) => [step.call.stage, (step.call.inputs as { environment?: string }).environment]), [
      ['healthCheck', 'staging'],
      ['deploy', 'staging'],
      ['e2eTest', 'staging'],
      ['openPromotion', undefined],
    ]);
    assert.deepEqual(ran[3]!.call.inputs, { lock: '.lockstep/run/lock.yaml', from: 'staging', to: 'main', runUrl: undefined });
  });

  it('quotes the end-to-end summary and links the run in the promotion when the e2e stage wrote one', async () => {
    const runUrl = 'https://github.example.com/acme/shop/actions/runs/77';
    const plan = promoteStagingPlan({ lockFromArgument: false, runUrl }, settings);
    const written = engine({ reportFiles: ['.lockstep/run/e2e/summary.md'] });
    const report = await runPipeline(plan, settings, written.hooks);
    assert.deepEqual(written.ran[3]!.call.inputs, { lock: '.lockstep/run/lock.yaml', from: 'staging', to: 'main', e2eSummary: '.lockstep/run/e2e/summary.md', runUrl });
    assert.match(report.stages[3]!.rerun, /open-promotion --lock .lockstep\/run\/lock.yaml --from staging --to main --e2e-summary .lockstep\/run\/e2e\/summary.md --run-url https:/);
    assert.match(report.rerun, /promote-staging --run-url https:\/\/github.example.com\/acme\/shop\/actions\/runs\/77$/);
    const missing = engine();
    const without = await runPipeline(plan, settings, missing.hooks);
    assert.equal('e2eSummary' in missing.ran[3]!.call.inputs, false);
    assert.doesNotMatch(without.stages[3]!.rerun, /e2e-summary/);
  });

  it('refuses to start without the GitHub token its last stage needs, rather than deploy and stop there', async () => {
    const { hooks, ran } = engine();
    const noToken: ModuleSettings = { ...settings, provided: { ...settings.provided, githubToken: false } };
    await assert.rejects(
      runPipeline(promoteStagingPlan({ lockFromArgument: false }, noToken), noToken, hooks),
      (error: unknown) => error instanceof StageInputError && error.flag === 'github-token' && /openPromotion/.test(error.message),
    );
    assert.equal(ran.length, 0);
  });

  it('does not open the promotion when the end-to-end tests fail, and does not roll staging back', async () => {
    const { hooks, ran } = engine({ results: { e2eTest: { exitCode: 1 } } });
    const report = await runPipeline(promoteStagingPlan({ lockFromArgument: false }, settings), settings, hooks);
    assert.deepEqual(statuses(report), ['health-check:passed', 'deploy:passed', 'e2e-test:failed', 'open-promotion:skipped']);
    assert.equal(ran.length, 3);
  });

  it('rolls back alone, or followed by the smoke probes', async () => {
    const alone = engine();
    await runPipeline(rollbackPlan({ environment: 'production', smoke: false }), settings, alone.hooks);
    assert.deepEqual(alone.ran.map((step) => step.call.stage), ['rollback']);
    const withSmoke = engine();
    const report = await runPipeline(rollbackPlan({ environment: 'production', to: 'v1.3.0', smoke: true }), settings, withSmoke.hooks);
    assert.deepEqual(withSmoke.ran.map((step) => step.call.stage), ['rollback', 'smokeTest']);
    assert.match(report.rerun, /rollback --environment production --to v1.3.0 --smoke$/);
  });

  it('locks a hotfix from the production lock, re-resolving only the named services', async () => {
    const { hooks, ran } = engine({ results: { lockDiff: { stdout: changedDiff } } });
    const plan = hotfixPlan({ pullRequest: 99, branch: 'hotfix/cart-timeout', services: ['cart'] }, settings, false);
    assert.deepEqual(plan.seeds, [{ reportName: 'base.lock.yaml', from: 'source', path: 'locks/current.lock.yaml' }]);
    const report = await runPipeline(plan, settings, hooks);
    assert.equal(report.status, 'passed');
    assert.deepEqual(ran[0]!.call, {
      stage: 'lockGenerate',
      inputs: { ref: undefined, pullRequest: 99, base: '.lockstep/run/base.lock.yaml', only: ['cart'] },
    });
    assert.deepEqual(ran.at(-1)!.call.inputs, { branch: 'hotfix/cart-timeout', lock: '.lockstep/run/lock.yaml', pullRequest: 99 });
    assert.match(report.rerun, /hotfix --pull-request 99 --branch hotfix\/cart-timeout --services cart$/);
  });

  it('refuses a hotfix that names no service', async () => {
    const { hooks, ran } = engine();
    const plan: CompositePlan = hotfixPlan({ pullRequest: 99, branch: 'hotfix/x', services: [] }, settings, false);
    await assert.rejects(runPipeline(plan, settings, hooks), /--services: name at least one service/);
    assert.equal(ran.length, 0);
  });
});

describe('reading the lock diff', () => {
  it('calls a lock unchanged only when no service was added, removed or changed', () => {
    assert.equal(lockDiffUnchanged(unchangedDiff), true);
    assert.equal(lockDiffUnchanged(changedDiff), false);
    assert.equal(lockDiffUnchanged(JSON.stringify({ summary: { added: 1, removed: 0, changed: 0 } })), false);
    assert.equal(lockDiffUnchanged('not json'), false);
    assert.equal(lockDiffUnchanged('{"summary":{}}'), false);
    assert.equal(lockDiffUnchanged('null'), false);
  });
});

describe('the summary people read', () => {
  it('has one row per stage, the failing line, and the rerun commands', async () => {
    const { hooks } = engine({ results: { smokeTest: { exitCode: 1, stderr: 'probe checkout | 503' } } });
    const report = await runPipeline(promoteProductionPlan({ pullRequest: 5, version: 'v2.0.0', lockFromArgument: false }, settings), settings, hooks);
    const summary = renderSummary(report);
    assert.match(summary, /^# promoteProduction: failed \(rolled back\)/);
    assert.match(summary, /\| smoke-test \| failed \| 1\.0s \| exit 1: probe checkout \\\| 503 \|/);
    // After a rollback the release steps must not be rerun alone: only the failed stage and the whole run are offered.
    assert.doesNotMatch(summary, /release \(skipped\):/);
    assert.match(summary, /\| rollback \(rollback\) \| passed \|/);
    assert.match(summary, /```sh\ndagger call .*smoke-test --environment production\n```/);
    assert.ok(summary.includes(report.rerun));
  });

  it('formats durations for people', () => {
    assert.equal(formatDuration(420), '420ms');
    assert.equal(formatDuration(12_340), '12.3s');
    assert.equal(formatDuration(125_000), '2m05s');
  });
});
