import type { Command } from 'commander';
import { commaList, envVarName, positiveInt } from '../parse.js';
import { emit, type OutputOptions } from '../output.js';
import { defaultRequiredApprovals } from '../../defaults.js';
import { branchName, fullCommit } from './pr.js';
import type { CliStage, PipelineSettings } from '../../pipelines/plans.js';
import { prCheckStages, promoteProductionStages, promoteStagingStages, rollbackStages, stackTestStages } from '../../pipelines/plans.js';

interface CompositeOptions {
  reportDir: string;
  offline?: boolean;
  tokenEnv: string;
  currentLock?: string;
}

/** `lockstep run <pipeline>`: the composites the workflows run, as a sequence of lockstep commands. */
export function registerRunCommands(program: Command): void {
  const runGroup = program
    .command('run')
    .description('Run a whole pipeline (one per trigger) as the workflows do: each stage a lockstep command, with a run report.');

  const composite = (name: string, description: string) =>
    runGroup
      .command(name)
      .description(description)
      .option('--report-dir <dir>', 'where run.json, index.html and the stage reports go', 'report')
      .option('--offline', 'no GitHub: render comments and pull-request bodies to files, skip the approval gate and the GitHub release, visibly')
      .option('--token-env <name>', 'the environment variable holding the GitHub token (offline when it is unset)', envVarName, 'GITHUB_TOKEN')
      .option('--current-lock <file>', 'the lock committed on the target branch, for diffs', undefined);

  composite('pr-check', 'dev -> staging pull request: lock generate, stack up, stack test, stack down, the sticky lock comment, the lock commit.')
    .option('--ref <ref>', 'the orchestrator ref to lock', 'HEAD')
    .option('--pr <number>', 'the pull request number', positiveInt)
    .option('--branch <name>', "the pull request's head branch; with GitHub, the lock is committed to it", branchName)
    .option('--project <name>', 'the compose project of the pull-request stack', 'lockstep-pr')
    .option('--suite <names>', 'comma-separated stack suites to run (default: all configured)', commaList)
    .action(async (options: CompositeOptions & { ref: string; pr?: number; branch?: string; project: string; suite?: string[] }, command: Command) => {
      const settings = pipelineSettings(command, options);
      const stages = prCheckStages(settings, { ref: options.ref, pullRequest: options.pr, branch: options.branch, project: options.project, suites: options.suite });
      await execute(command, 'pr-check', stages, settings);
    });

  composite('stack-test', 'The whole stack from compose with a lock\'s images: stack up, stack test, stack down.')
    .requiredOption('--lock <file>', 'the lock whose images the stack runs')
    .option('--project <name>', 'the compose project of the stack', 'lockstep-stack')
    .option('--suite <names>', 'comma-separated suites to run (default: all configured)', commaList)
    .action(async (options: CompositeOptions & { lock: string; project: string; suite?: string[] }, command: Command) => {
      const settings = pipelineSettings(command, options);
      await execute(command, 'stack-test', stackTestStages(settings, { lock: options.lock, project: options.project, suites: options.suite }), settings);
    });

  composite('promote-staging', 'After the merge into staging: health, deploy the lock, E2E, open the staging -> main pull request.')
    .requiredOption('--lock <file>', 'the lock to promote')
    .option('--env <name>', 'the staging environment', 'staging')
    .option('--run-url <url>', 'a link to this run, for the promotion pull request')
    .action(async (options: CompositeOptions & { lock: string; env: string; runUrl?: string }, command: Command) => {
      const settings = pipelineSettings(command, options);
      await execute(command, 'promote-staging', promoteStagingStages(settings, { lock: options.lock, environment: options.env, runUrl: options.runUrl }), settings);
    });

  composite(
    'promote-production',
    'After the merge into main: resolve the release (nothing to do when no service changed), approval gate, health, deploy, smoke, archive, commit and publish the release; back to the release that ran before when smoke fails.',
  )
    .requiredOption('--lock <file>', 'the lock on main')
    .option('--version <version>', 'the release version, vX.Y.Z (default: the next one the lock calls for)')
    .option('--pr <number>', 'the merged pull request, for the approval gate (default: the one GitHub says merged the commit)', positiveInt)
    .option('--required <count>', 'approvals required', positiveInt, defaultRequiredApprovals)
    .option('--env <name>', 'the production environment', 'production')
    .option('--releases-dir <dir>', "the release archive (default: the config's github.releaseArchiveDir)")
    .option('--previous-release <file>', 'the previous release lock, for the release diff')
    .option('--commit <sha>', 'the commit being released, which the tag points at (default: HEAD of this checkout)', fullCommit)
    .option('--branch <name>', 'the production branch', branchName, 'main')
    .action(
      async (
        options: CompositeOptions & { lock: string; version?: string; pr?: number; required: number; env: string; releasesDir?: string; previousRelease?: string; commit?: string; branch: string },
        command: Command,
      ) => {
        const settings = pipelineSettings(command, options);
        const stages = promoteProductionStages(settings, {
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
        await execute(command, 'promote-production', stages, settings);
      },
    );

  composite('rollback', 'Return an environment to the previous (or named) release through the deploy path, then smoke-test it.')
    .requiredOption('--env <name>', 'the environment')
    .option('--to <version>', 'the archived release to return to')
    .option('--to-lock <integrity>', 'the archived release with this lock integrity (what ran before a deploy)')
    .option('--releases-dir <dir>', "the release archive (default: the config's github.releaseArchiveDir)")
    .option('--no-smoke', 'skip the smoke probes after the rollback')
    .action(async (options: CompositeOptions & { env: string; to?: string; toLock?: string; releasesDir?: string; smoke: boolean }, command: Command) => {
      const settings = pipelineSettings(command, options);
      const inputs = { environment: options.env, to: options.to, toLock: options.toLock, releasesDir: options.releasesDir, smoke: options.smoke };
      await execute(command, 'rollback', rollbackStages(settings, inputs), settings);
    });

  composite('hotfix', 'A hotfix: the base lock with only the named services re-resolved, checked on the whole stack, then commented.')
    .requiredOption('--base <lock>', 'the lock in production')
    .requiredOption('--only <services>', 'the services to re-resolve, comma-separated', commaList)
    .option('--ref <ref>', 'the orchestrator ref holding the fixed services', 'HEAD')
    .option('--pr <number>', 'the hotfix pull request', positiveInt)
    .option('--branch <name>', "the hotfix pull request's head branch; with GitHub, the lock is committed to it", branchName)
    .option('--project <name>', 'the compose project of the hotfix stack', 'lockstep-hotfix')
    .option('--suite <names>', 'comma-separated stack suites to run (default: all configured)', commaList)
    .action(async (options: CompositeOptions & { base: string; only: string[]; ref: string; pr?: number; branch?: string; project: string; suite?: string[] }, command: Command) => {
      const settings = pipelineSettings(command, { ...options, currentLock: options.currentLock ?? options.base });
      const inputs = { ref: options.ref, pullRequest: options.pr, branch: options.branch, project: options.project, suites: options.suite, base: options.base, only: options.only };
      const stages = prCheckStages(settings, inputs);
      await execute(command, 'hotfix', stages, settings);
    });
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
  const { runComposite } = await import('../../pipelines/runComposite.js');
  const { renderRunSummary } = await import('../../pipelines/renderRunSummary.js');
  const output = command.optsWithGlobals<OutputOptions>();
  if (!settings.github) process.stderr.write(`${pipeline}: no GitHub token: GitHub stages are rendered to files or skipped\n`);
  const run = await runComposite(pipeline, stages, { cwd: process.cwd(), reportDir: settings.reportDir });
  emit(output, run.report, () => renderRunSummary(run.report, run.files));
  if (run.report.status === 'failed') process.exitCode = 1;
}
