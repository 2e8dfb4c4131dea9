import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/program.js';
import { prCheckStages, promoteProductionStages, promoteStagingStages, rollbackStages, stackTestStages, type CliStage, type PipelineSettings } from '../../../src/pipelines/plans.js';

const offline: PipelineSettings = { config: 'lockstep.config.yaml', reportDir: 'report', github: false, currentLock: 'locks/current.lock.yaml' };
const online: PipelineSettings = { config: 'ci.yaml', reportDir: 'out', github: true };

/** Every plan of every pipeline, offline and with GitHub, with and without the optional inputs. */
function allPlans(): Array<[string, CliStage[]]> {
  const plans: Array<[string, CliStage[]]> = [];
  for (const settings of [offline, online]) {
    const mode = settings.github ? 'github' : 'offline';
    plans.push([`stack-test ${mode}`, stackTestStages(settings, { lock: 'l.yaml', project: 'p', suites: ['api', 'ui'] })]);
    plans.push([`pr-check ${mode}`, prCheckStages(settings, { ref: 'dev', pullRequest: 7, project: 'lockstep-pr', branch: 'feature/x' })]);
    plans.push([`pr-check bare ${mode}`, prCheckStages(settings, { ref: 'HEAD', project: 'lockstep-pr' })]);
    plans.push([`hotfix ${mode}`, prCheckStages(settings, { ref: 'HEAD', project: 'lockstep-hotfix', base: 'base.lock.yaml', only: ['api', 'web'], pullRequest: 9, branch: 'hotfix/1' })]);
    plans.push([`promote-staging ${mode}`, promoteStagingStages(settings, { lock: 'l.yaml', runUrl: 'https://ci.example/run/1' })]);
    plans.push([`promote-production ${mode}`, promoteProductionStages(settings, { lock: 'l.yaml', version: 'v1.2.3', pullRequest: 4, required: 2, releasesDir: 'rel', previousRelease: 'rel/v1.2.2.lock.yaml', commit: 'a'.repeat(40) })]);
    plans.push([`promote-production bare ${mode}`, promoteProductionStages(settings, { lock: 'l.yaml', version: 'v1.2.3' })]);
    plans.push([`rollback ${mode}`, rollbackStages(settings, { environment: 'production', to: 'v1.0.0', releasesDir: 'rel', smoke: true })]);
    plans.push([`rollback bare ${mode}`, rollbackStages(settings, { environment: 'staging', smoke: false })]);
    plans.push([`rollback to what ran before ${mode}`, rollbackStages(settings, { environment: 'staging', toLock: '', smoke: true })]);
  }
  return plans;
}

/** What earlier stages output, as `release resolve` and `deploy` would, for the placeholders of later ones. */
const outputs: Record<string, string> = { pullRequest: '4', commit: 'c'.repeat(40), version: 'v1.2.3', previousLock: `sha256:${'a'.repeat(64)}` };

/** The command tree with every action replaced: parsing checks commands, flags, their values and required options. */
function parsingProgram(): Command {
  const program = buildProgram('0.0.0');
  const parsed: Array<{ command: string; options: Record<string, unknown> }> = [];
  const walk = (command: Command, path: string[]) => {
    for (const sub of command.commands) {
      sub.action((...args: unknown[]) => {
        const self = args.at(-1) as Command;
        parsed.push({ command: [...path, sub.name()].join(' '), options: self.opts() });
      });
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(program, []);
  return Object.assign(program, { parsed });
}

describe('the pipeline plans', () => {
  it('plan, for every stage that runs, only commands and flags the CLI accepts, with values its parsers take', async () => {
    for (const [plan, stages] of allPlans()) {
      // A skipped stage never runs: it holds a placeholder for the pull request it lacks.
      for (const stage of stages.filter((candidate) => candidate.skip === undefined)) {
        const program = parsingProgram() as Command & { parsed: Array<{ command: string }> };
        const args = stage.args.map((arg) => arg.replace(/\{\{(\w+)\}\}/g, (_all, name: string) => outputs[name] ?? `{{${name}}}`));
        await assert.doesNotReject(program.parseAsync(args, { from: 'user' }), `${plan}: ${stage.name}: lockstep ${args.join(' ')}`);
        assert.equal(program.parsed.length, 1, `${plan}: ${stage.name} ran one command`);
      }
    }
  });

  it('pass the config to every stage', () => {
    for (const [plan, stages] of allPlans()) {
      for (const stage of stages) assert.deepEqual(stage.args.slice(0, 2), ['--config', plan.endsWith('github') ? 'ci.yaml' : 'lockstep.config.yaml'], `${plan}: ${stage.name}`);
    }
  });

  it('write the rerun lines a person pastes, flag by flag', () => {
    const lines = (stages: CliStage[]) => stages.map((stage) => `${stage.name}: ${stage.args.join(' ')}`);
    assert.deepEqual(lines(prCheckStages(offline, { ref: 'dev', pullRequest: 7, project: 'lockstep-pr', suites: ['api'] })), [
      'lock generate: --config lockstep.config.yaml lock generate --ref dev --out report/lock.yaml --pull-request 7',
      'stack up: --config lockstep.config.yaml stack up --lock report/lock.yaml --project lockstep-pr',
      'stack test: --config lockstep.config.yaml stack test --project lockstep-pr --report report/stack --suite api',
      'stack down: --config lockstep.config.yaml stack down --project lockstep-pr',
      'pr comment (rendered): --config lockstep.config.yaml pr comment --lock report/lock.yaml --out report/pr-comment.md --base-lock locks/current.lock.yaml',
    ]);
    assert.deepEqual(lines(prCheckStages(online, { ref: 'HEAD', project: 'h', base: 'b.yaml', only: ['api', 'web'], pullRequest: 9, branch: 'hotfix/1' })).filter((line) => !line.startsWith('stack')), [
      'hotfix lock: --config ci.yaml lock generate --ref HEAD --out out/lock.yaml --pull-request 9 --base b.yaml --only api,web',
      'pr comment: --config ci.yaml pr comment --pr 9 --lock out/lock.yaml',
      'commit lock: --config ci.yaml pr commit-lock --branch hotfix/1 --lock out/lock.yaml --pr 9',
    ]);
    assert.deepEqual(lines(promoteStagingStages(online, { lock: 'l.yaml', runUrl: 'https://ci.example/run/1' })), [
      'health: --config ci.yaml health --env staging',
      'deploy: --config ci.yaml deploy --env staging --lock l.yaml',
      'e2e: --config ci.yaml e2e --env staging --report-dir out/staging/e2e',
      'open promotion: --config ci.yaml pr open-promotion --from staging --to main --lock l.yaml --e2e-summary out/staging/e2e/summary.md --run-url https://ci.example/run/1',
    ]);
    assert.deepEqual(lines(promoteStagingStages(offline, { lock: 'l.yaml' })).at(-1), 'open promotion (rendered): --config lockstep.config.yaml pr open-promotion --from staging --to main --lock l.yaml --e2e-summary report/staging/e2e/summary.md --out report/promotion-pr.md');
    assert.deepEqual(lines(promoteProductionStages(online, { lock: 'l.yaml', version: 'v1.2.3', pullRequest: 4, releasesDir: 'rel', commit: 'c'.repeat(40) })), [
      `release resolve: --config ci.yaml release resolve --lock l.yaml --branch main --commit ${'c'.repeat(40)} --version v1.2.3 --pr 4 --releases-dir rel`,
      'approval gate: --config ci.yaml gate approvals --pr {{pullRequest}} --required 4 --lock l.yaml --commit {{commit}} --production-branch main',
      'health: --config ci.yaml health --env production',
      'deploy: --config ci.yaml deploy --env production --lock l.yaml',
      'smoke: --config ci.yaml smoke --env production --report-dir out/production/smoke',
      'release archive: --config ci.yaml release archive --lock l.yaml --version {{version}} --dir rel',
      'release commit: --config ci.yaml release commit-archive --version {{version}} --branch main --dir rel',
      'release publish: --config ci.yaml release publish --version {{version}} --lock l.yaml --target {{commit}} --branch main',
      'rollback: --config ci.yaml rollback --env production --to-lock {{previousLock}} --releases-dir rel',
    ]);
    assert.equal(lines(promoteProductionStages(offline, { lock: 'l.yaml' }))[0], 'release resolve: --config lockstep.config.yaml release resolve --lock l.yaml --branch main --offline');
    assert.deepEqual(lines(rollbackStages(offline, { environment: 'staging', to: 'v1.0.0', releasesDir: 'rel', smoke: true })), [
      'rollback: --config lockstep.config.yaml rollback --env staging --to v1.0.0 --releases-dir rel',
      'smoke: --config lockstep.config.yaml smoke --env staging --report-dir report/staging/smoke',
    ]);
  });
});
