// `lockstep stack plan|up|test|down`: the whole system from compose, for pull requests.
import type { Command } from 'commander';
import type { stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { recordArtifacts, recordTests } from '../stageResult.js';
import { readJunitDir } from '../../report/readJunit.js';
import { emit, progress, type OutputOptions } from '../output.js';
import { LockstepError } from '../../errors.js';
import { dirname, resolve } from 'node:path';
import { loadConfig } from '../../config/load.js';
import { planStack } from '../../stages/stackPlan.js';
import { renderPlanText, renderUpText } from '../../stack/renderPlan.js';
import { stackUp } from '../../stages/stackUp.js';
import { withTeardownOnSignal } from '../../stack/interrupt.js';
import { stackTest } from '../../stages/stackTest.js';
import { renderSummaryText } from '../../stack/summary.js';
import { testTitle } from '../../stack/suiteResult.js';
import { checkProjectName, defaultProjectName, stackWorkDir } from '../../stack/project.js';
import { detectCompose } from '../../compose/composeCommand.js';
import { stackDown } from '../../stages/stackDown.js';

interface GlobalOptions extends OutputOptions {
  config: string;
}

export async function stackPlanAction(options: OptionsOf<typeof stages.stackPlan>, command: Command): Promise<void> {
  const global = command.optsWithGlobals<GlobalOptions>();
  const plan = await planStack({ configFile: global.config, config: await loadConfig(global.config), lockFile: options.lock });
  emit(global, plan, () => renderPlanText(plan));
}

export async function stackUpAction(options: OptionsOf<typeof stages.stackUp>, command: Command): Promise<void> {
  const global = command.optsWithGlobals<GlobalOptions>();
  const session = await openSession(global.config, options.project);
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
}

export async function stackTestAction(options: OptionsOf<typeof stages.stackTest>, command: Command): Promise<void> {
  const global = command.optsWithGlobals<GlobalOptions>();
  const session = await openSession(global.config, options.project);
  const reportDir = options.report ?? resolve(session.configDir, session.config.stack.reportDir);
  const result = await withTeardownOnSignal(
    (signal) =>
      stackTest({ configFile: global.config, config: session.config, project: session.project, suites: options.suite, reportDir }, { progress, signal }),
    session.teardown,
    progress,
  );
  recordTests(await readJunitDir(reportDir, `stack ${session.project}`));
  recordArtifacts(result.summaryFile);
  emit(global, result, () => `${renderSummaryText(result.suites)}\n\nreport: ${result.summaryFile}`);
  if (!result.ok) {
    const failed = result.suites.flatMap((suite) => suite.tests.filter((test) => test.status === 'failed').map((test) => `${suite.suite}: ${testTitle(test)}`));
    throw new LockstepError('TESTS_FAILED', `stack test: ${result.suites.filter((suite) => !suite.ok).map((suite) => suite.suite).join(', ')} failed`, {
      details: failed.slice(0, 20),
      hint: `see ${result.summaryFile}`,
    });
  }
}

export async function stackDownAction(options: OptionsOf<typeof stages.stackDown>, command: Command): Promise<void> {
  const global = command.optsWithGlobals<GlobalOptions>();
  const session = await openSession(global.config, options.project, { configOptional: true });
  const result = await session.teardown();
  emit(global, result, () => {
    const { containers, networks, volumes } = result.removed;
    return `✔ ${result.project}: removed ${containers} containers, ${networks} networks, ${volumes} volumes (${(result.durationMs / 1000).toFixed(1)} s)`;
  });
}

/**
 * What every stack command needs: the config, the project name and a teardown bound to them. `down`
 * still sweeps by label when the config cannot be read, so a broken config never strands a stack.
 */
async function openSession(configFile: string, projectFlag: string | undefined, options: { configOptional?: boolean } = {}) {
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
