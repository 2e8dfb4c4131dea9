import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { tagTemplate } from '../../config/services.js';
import { emit, type OutputOptions } from '../output.js';
import { withGitHubFlags, type GitHubFlags } from './pr.js';

interface InitFlags extends GitHubFlags {
  dir: string;
  compose?: string;
  repository?: string;
  tag: string;
  moduleRef?: string;
  force?: boolean;
  dryRun?: boolean;
  check?: boolean;
  appSlug: string;
}

function repositoryName(value: string): string {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(value)) throw new InvalidArgumentError('must be owner/name');
  return value;
}

function tag(value: string): string {
  const parsed = tagTemplate.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'must be a tag template');
  return value;
}

/** `lockstep init`: bring lockstep into an existing orchestrator repository, or check its GitHub setup. */
export function registerInitCommands(program: Command): void {
  withGitHubFlags(
    program
      .command('init')
      .description(
        'Adopt lockstep in an orchestrator repository: propose lockstep.config.yaml from .gitmodules and the compose file, write the workflows, print the GitHub setup; --check verifies that setup.',
      )
      .option('--dir <path>', 'the orchestrator repository', '.')
      .option('--compose <file>', 'the compose file, relative to --dir (default: compose.yaml, compose.yml, docker-compose.yaml or docker-compose.yml)')
      .option('--repository <owner/name>', 'the GitHub repository (default: from the origin remote)', repositoryName)
      .option('--tag <template>', 'how image tags derive from commits ({commit}, {shortCommit})', tag, 'sha-{shortCommit}')
      .option('--module-ref <ref>', 'the lockstep module version tag or commit the workflows load (default: this version)')
      .option('--force', 'overwrite files that exist and differ')
      .option('--dry-run', 'print what would be written; write nothing')
      .option('--check', 'write nothing; verify the GitHub setup through the API (environments, reviewers, branch protection, the App)')
      .option('--app-slug <slug>', 'the GitHub App lockstep acts as (for --check)', 'lockstep'),
  ).action(async (options: InitFlags, command: Command) => {
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
