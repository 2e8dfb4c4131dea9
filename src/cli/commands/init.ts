import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';
import { declareCommand, stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';

/** `lockstep init`: bring lockstep into an existing orchestrator repository, or check its GitHub setup. */
export function registerInitCommands(program: Command): void {
  declareCommand(program, stages.init).action(async (options: OptionsOf<typeof stages.init>, command: Command) => {
    const output = command.optsWithGlobals<OutputOptions & { config: string }>();
    if (options.check) {
      const { runSetupCheck } = await import('../../init/runSetupCheck.js');
      const { renderFindings } = await import('../../init/githubSetup.js');
      const { LockstepError } = await import('../../errors.js');
      const result = await runSetupCheck({ dir: options.dir, repository: options.repository, appSlug: options.appSlug, tokenEnv: options.tokenEnv, apiUrl: options.apiUrl });
      emit(output, result, () => renderFindings(result.findings, result.owner, result.repo));
      if (result.findings.length > 0) {
        throw new LockstepError('GITHUB', `${result.findings.length} GitHub setting(s) of ${result.owner}/${result.repo} need fixing`, { hint: 'each finding above names its fix' });
      }
      return;
    }
    const { runInit } = await import('../../init/runInit.js');
    const { renderInit } = await import('../../init/renderInit.js');
    const result = await runInit({
      dir: options.dir,
      configFile: output.config,
      composeFile: options.compose,
      repository: options.repository,
      tagTemplate: options.tag,
      moduleRef: options.moduleRef,
      version: command.parent?.version() ?? '0.0.0',
      force: Boolean(options.force),
      dryRun: Boolean(options.dryRun),
    });
    emit(output, result, () => renderInit(result));
  });
}
