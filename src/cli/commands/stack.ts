import type { Command } from 'commander';
import { commaList, durationMs } from '../parse.js';
import { recordArtifacts, recordTests } from '../stageResult.js';
import { emit, progress, type OutputOptions } from '../output.js';
import { LockstepError } from '../../errors.js';
import { dirname, resolve } from 'node:path';

interface GlobalOptions extends OutputOptions {
  config: string;
}

const projectOption = [
  '--project <name>',
  'the compose project (default: $LOCKSTEP_STACK_PROJECT, else lockstep-<folder of the config file>)',
] as const;

/** `lockstep stack plan|up|test|down`: the whole system from compose, for pull requests. */
export function registerStackCommands(program: Command): void {
  const stack = program.command('stack').description('Run the whole system from compose with a lock\'s images, test it, tear it down.');

  stack
    .command('plan')
    .description('Print the compose service graph (with --lock: every locked image as image@digest).')
    .option('--lock <file>', 'pin the services to this release lock')
    .action(async (options: { lock?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const { loadConfig } = await import('../../config/load.js');
      const { planStack } = await import('../../stages/stackPlan.js');
      const { renderPlanText } = await import('../../stack/renderPlan.js');
      const plan = await planStack({ configFile: global.config, config: await loadConfig(global.config), lockFile: options.lock });
      emit(global, plan, () => renderPlanText(plan));
    });

  stack
    .command('up')
    .description('Start the stack with every locked service pinned to image@digest; wait until all are healthy. Tears down on failure or Ctrl-C.')
    .requiredOption('--lock <file>', 'the release lock whose images to run')
    .option(...projectOption)
    .option('--timeout <duration>', 'how long the start may take, pulls included (default: 5m)', durationMs)
    .option('--keep-on-failure', 'leave a stack that failed to start running, for inspection')
    .action(async (options: { lock: string; project?: string; timeout?: number; keepOnFailure?: boolean }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const session = await openSession(global.config, options.project);
      // Finding compose runs while the stages load.
      const compose = session.compose();
      const [{ stackUp }, { withTeardownOnSignal }, { renderUpText }] = await Promise.all([
        import('../../stages/stackUp.js'),
        import('../../stack/interrupt.js'),
        import('../../stack/renderPlan.js'),
      ]);
      const result = await withTeardownOnSignal(
        async (signal) =>
          stackUp(
            { configFile: global.config, config: session.config, lockFile: options.lock, project: session.project, timeoutMs: options.timeout ?? 300_000, keepOnFailure: options.keepOnFailure },
            { compose: await compose, progress, teardown: session.teardown, signal },
          ),
        session.teardown,
        progress,
      );
      emit(global, result, () => renderUpText(result));
    });

  stack
    .command('test')
    .description('Run the configured suites in containers on the stack network; JUnit XML and summary.md in the report folder.')
    .option(...projectOption)
    .option('--suite <names>', 'comma-separated suites to run (default: all configured)', commaList)
    .option('--report <dir>', 'the report folder (default: stack.reportDir of the config, report/stack)')
    .action(async (options: { project?: string; suite?: string[]; report?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const session = await openSession(global.config, options.project);
      const { stackTest } = await import('../../stages/stackTest.js');
      const { withTeardownOnSignal } = await import('../../stack/interrupt.js');
      const { renderSummaryText } = await import('../../stack/summary.js');
      const { testTitle } = await import('../../stack/suiteResult.js');
      const reportDir = options.report ?? resolve(session.configDir, session.config.stack.reportDir);
      const result = await withTeardownOnSignal(
        (signal) =>
          stackTest({ configFile: global.config, config: session.config, project: session.project, suites: options.suite, reportDir }, { progress, signal }),
        session.teardown,
        progress,
      );
      await recordTests(reportDir, `stack ${session.project}`);
      recordArtifacts(result.summaryFile);
      emit(global, result, () => `${renderSummaryText(result.suites)}\n\nreport: ${result.summaryFile}`);
      if (!result.ok) {
        const failed = result.suites.flatMap((suite) => suite.tests.filter((test) => test.status === 'failed').map((test) => `${suite.suite}: ${testTitle(test)}`));
        throw new LockstepError('TESTS_FAILED', `stack test: ${result.suites.filter((suite) => !suite.ok).map((suite) => suite.suite).join(', ')} failed`, {
          details: failed.slice(0, 20),
          hint: `see ${result.summaryFile}`,
        });
      }
    });

  stack
    .command('down')
    .description('Remove the stack\'s containers, networks and volumes (also whatever a failed or interrupted run left).')
    .option(...projectOption)
    .action(async (options: { project?: string }, command: Command) => {
      const global = command.optsWithGlobals<GlobalOptions>();
      const session = await openSession(global.config, options.project, { configOptional: true });
      const result = await session.teardown();
      emit(global, result, () => {
        const { containers, networks, volumes } = result.removed;
        return `✔ ${result.project}: removed ${containers} containers, ${networks} networks, ${volumes} volumes (${(result.durationMs / 1000).toFixed(1)} s)`;
      });
    });
}

/**
 * What every stack command needs: the config, the project name and a teardown bound to them. `down`
 * still sweeps by label when the config cannot be read, so a broken config never strands a stack.
 */
async function openSession(configFile: string, projectFlag: string | undefined, options: { configOptional?: boolean } = {}) {
  const { loadConfig } = await import('../../config/load.js');
  const { checkProjectName, defaultProjectName, stackWorkDir } = await import('../../stack/project.js');
  const { detectCompose } = await import('../../compose/composeCommand.js');
  const { stackDown } = await import('../../stages/stackDown.js');
  const configDir = dirname(resolve(configFile));
  const fromEnv = process.env.LOCKSTEP_STACK_PROJECT;
  const project = projectFlag
    ? checkProjectName(projectFlag)
    : fromEnv
      ? checkProjectName(fromEnv, 'LOCKSTEP_STACK_PROJECT')
      : defaultProjectName(configDir);
  let config: Awaited<ReturnType<typeof loadConfig>> | undefined;
  try {
    config = await loadConfig(configFile);
  } catch (error) {
    if (!options.configOptional) throw error;
    progress(`stack down: ${(error as Error).message}; removing ${project} by label only`);
  }
  return {
    configDir,
    project,
    get config() {
      return config!;
    },
    compose: () => detectCompose(),
    teardown: async () =>
      stackDown(
        { project, composeFile: config ? resolve(configDir, config.stack.composeFile) : null, workDir: stackWorkDir(configDir, project) },
        { compose: () => detectCompose().catch(() => null), progress },
      ),
  };
}
