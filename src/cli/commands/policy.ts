import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';

/** `lockstep policy ...`: guardrails that fail a pipeline before anything mutable reaches an environment. */
export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('Guardrails: refuse image references that can move.');

  policy
    .command('digest-only')
    .description(
      'Fail (exit 4) on any image not pinned by digest, and on latest, in compose files, Kubernetes manifests and helm values. ' +
        'Directories are walked for *.yaml and *.yml; - reads standard input. ' +
        'With no paths, the files the config names: the stack compose files, the compose environments\' files and the committed lock.',
    )
    .argument('[paths...]', 'files, directories or - (standard input); default: the files the config names')
    .action(async (paths: string[], _options: unknown, command: Command) => {
      const output = command.optsWithGlobals<OutputOptions & { config: string }>();
      const { assertDigestOnly, checkDigestOnlyPaths } = await import('../../stages/policyDigestOnly.js');
      const { renderDigestOnlyText } = await import('../../policy/render.js');
      const configured = paths.length > 0 ? undefined : await configuredFiles(output.config);
      const report = await checkDigestOnlyPaths({ paths, configured });
      emit(output, report, () => renderDigestOnlyText(report));
      assertDigestOnly(report);
    });
}

async function configuredFiles(configFile: string) {
  const [{ loadConfig }, { configuredPolicyFiles }] = await Promise.all([import('../../config/load.js'), import('../../policy/configuredFiles.js')]);
  return configuredPolicyFiles(await loadConfig(configFile), configFile);
}
