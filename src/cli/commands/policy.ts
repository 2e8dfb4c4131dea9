import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';

/** `lockstep policy ...`: guardrails that fail a pipeline before anything mutable reaches an environment. */
export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('Guardrails: refuse image references that can move.');

  policy
    .command('digest-only')
    .description(
      'Fail (exit 4) on any image not pinned by digest, and on latest, in compose files, Kubernetes manifests and helm values. ' +
        'Directories are walked for *.yaml and *.yml; - reads standard input.',
    )
    .argument('<paths...>', 'files, directories or - (standard input)')
    .action(async (paths: string[], _options: unknown, command: Command) => {
      const output = command.optsWithGlobals<OutputOptions>();
      const { assertDigestOnly, checkDigestOnlyPaths } = await import('../../stages/policyDigestOnly.js');
      const { renderDigestOnlyText } = await import('../../policy/render.js');
      const report = await checkDigestOnlyPaths({ paths });
      emit(output, report, () => renderDigestOnlyText(report));
      assertDigestOnly(report);
    });
}
