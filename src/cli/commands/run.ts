// `lockstep run <pipeline>`: the composites the workflows run, as a sequence of lockstep commands.
import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';
import type { stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import type { CliStage, PipelineSettings } from '../../pipelines/plans.js';
import { prCheckStages, promoteProductionStages, promoteStagingStages, rollbackStages, stackTestStages } from '../../pipelines/plans.js';
import { runComposite } from '../../pipelines/runComposite.js';
import { renderRunSummary } from '../../pipelines/renderRunSummary.js';

type CompositeOptions = Pick<OptionsOf<typeof stages.runPrCheck>, 'reportDir' | 'offline' | 'tokenEnv' | 'currentLock'>;

export async function runPrCheckAction(options: OptionsOf<typeof stages.runPrCheck>, command: Command): Promise<void> {
  const settings = pipelineSettings(command, options);
  const planned = prCheckStages(settings, { ref: options.ref, pullRequest: options.pr, branch: options.branch, project: options.project, suites: options.suite });
  await execute(command, 'pr-check', planned, settings);
}

export async function runStackTestAction(options: OptionsOf<typeof stages.runStackTest>, command: Command): Promise<void> {
  const settings = pipelineSettings(command, options);
  await execute(command, 'stack-test', stackTestStages(settings, { lock: options.lock, project: options.project, suites: options.suite }), settings);
}

export async function runPromoteStagingAction(options: OptionsOf<typeof stages.runPromoteStaging>, command: Command): Promise<void> {
  const settings = pipelineSettings(command, options);
  await execute(command, 'promote-staging', promoteStagingStages(settings, { lock: options.lock, environment: options.env, runUrl: options.runUrl }), settings);
}

export async function runPromoteProductionAction(options: OptionsOf<typeof stages.runPromoteProduction>, command: Command): Promise<void> {
  const settings = pipelineSettings(command, options);
  const planned = promoteProductionStages(settings, {
    lock: options.lock,
    version: options.version,
    pullRequest: options.pr,
    required: options.required,
    environment: options.env,
    releasesDir: options.releasesDir,
    previousRelease: options.previousRelease,
    commit: options.commit,
    branch: options.branch,
  });
  await execute(command, 'promote-production', planned, settings);
}

export async function runRollbackAction(options: OptionsOf<typeof stages.runRollback>, command: Command): Promise<void> {
  const settings = pipelineSettings(command, options);
  const inputs = { environment: options.env, to: options.to, toLock: options.toLock, releasesDir: options.releasesDir, smoke: options.smoke };
  await execute(command, 'rollback', rollbackStages(settings, inputs), settings);
}

export async function runHotfixAction(options: OptionsOf<typeof stages.runHotfix>, command: Command): Promise<void> {
  const settings = pipelineSettings(command, { ...options, currentLock: options.currentLock ?? options.base });
  const inputs = { ref: options.ref, pullRequest: options.pr, branch: options.branch, project: options.project, suites: options.suite, base: options.base, only: options.only };
  const planned = prCheckStages(settings, inputs);
  await execute(command, 'hotfix', planned, settings);
}

function pipelineSettings(command: Command, options: CompositeOptions): PipelineSettings {
  const globals = command.optsWithGlobals<{ config: string }>();
  return {
    config: globals.config,
    reportDir: options.reportDir,
    github: !options.offline && Boolean(process.env[options.tokenEnv]),
    ...(options.currentLock ? { currentLock: options.currentLock } : {}),
  };
}

async function execute(command: Command, pipeline: string, stages: CliStage[], settings: PipelineSettings): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions>();
  if (!settings.github) process.stderr.write(`${pipeline}: no GitHub token: GitHub stages are rendered to files or skipped\n`);
  const run = await runComposite(pipeline, stages, { cwd: process.cwd(), reportDir: settings.reportDir });
  emit(output, run.report, () => renderRunSummary(run.report, run.files));
  if (run.report.status === 'failed') process.exitCode = 1;
}
