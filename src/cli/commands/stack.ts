import type { Command } from 'commander';
import { declareCommand, stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { recordArtifacts, recordTests } from '../stageResult.js';
import { emit, progress, type OutputOptions } from '../output.js';
import { LockstepError } from '../../errors.js';
import { dirname, resolve } from 'node:path';

interface GlobalOptions extends OutputOptions {
  config: string;
}

/** `lockstep stack plan|up|test|down`: the whole system from compose, for pull requests. */
export function registerStackCommands(program: Command): void {
  declareCommand(program, stages.stackPlan).action(async (options: OptionsOf<typeof stages.stackPlan>, command: Command) => {
    const global = command.optsWithGlobals<GlobalOptions>();
    const { loadConfig } = await import('../../config/load.js');
    const { planStack } = await import('../../stages/stackPlan.js');
    const { renderPlanText } = await import('../../stack/renderPlan.js');
    const plan = await planStack({ configFile: global.config, config: await loadConfig(global.config), lockFile: options.lock });
    emit(global, plan, () => renderPlanText(plan));
  });

  declareCommand(program, stages.stackUp).action(async (options: OptionsOf<typeof stages.stackUp>, command: Command) => {
    const global = command.optsWithGlobals<GlobalOptions>();
    const session = await openSession(global.config, options.project);
    const { stackUp } = await import('../../stages/stackUp.js');
    const { withTeardownOnSignal } = await import('../../stack/interrupt.js');
    const { renderUpText } = await import('../../stack/renderPlan.js');
    const result = await withTeardownOnSignal(
      async (signal) =>
        stackUp(
          { configFile: global.config, config: session.config, lockFile: options.lock, project: session.project, timeoutMs: options.timeout, keepOnFailure: options.keepOnFailure },
          { compose: await session.compose(), progress, teardown: session.teardown, signal },
        ),
      session.teardown,
      progress,
    );
    emit(global, result, () => renderUpText(result));
  });

  declareCommand(program, stages.stackTest).action(async (options: OptionsOf<typeof stages.stackTest>, command: Command) => {
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

  declareCommand(program, stages.stackDown).action(async (options: OptionsOf<typeof stages.stackDown>, command: Command) => {
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
