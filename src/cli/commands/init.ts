// `lockstep init`: bring lockstep into an existing orchestrator repository, or check its GitHub setup.
import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';
import type { stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { runSetupCheck } from '../heavyAdapters.js';
import { renderFindings } from '../../init/githubSetup.js';
import { LockstepError } from '../../errors.js';
import { runInit } from '../../init/runInit.js';
import { renderInit } from '../../init/renderInit.js';

export async function initAction(options: OptionsOf<typeof stages.init>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions & { config: string }>();
  if (options.check) {
    const result = await runSetupCheck({ dir: options.dir, repository: options.repository, appSlug: options.appSlug, tokenEnv: options.tokenEnv, apiUrl: options.apiUrl });
    emit(output, result, () => renderFindings(result.findings, result.owner, result.repo));
    if (result.findings.length > 0) {
      throw new LockstepError('GITHUB', `${result.findings.length} GitHub setting(s) of ${result.owner}/${result.repo} need fixing`, { hint: 'each finding above names its fix' });
    }
    return;
  }
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
}
