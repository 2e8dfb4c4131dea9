import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';
import { declareCommand, stages } from '../table/index.js';

/** `lockstep policy ...`: guardrails that fail a pipeline before anything mutable reaches an environment. */
export function registerPolicyCommands(program: Command): void {
  declareCommand(program, stages.policyDigestOnly)
    .action(async (paths: string[], _options: unknown, command: Command) => {
      const output = command.optsWithGlobals<OutputOptions>();
      const { assertDigestOnly, checkDigestOnlyPaths } = await import('../../stages/policyDigestOnly.js');
      const { renderDigestOnlyText } = await import('../../policy/render.js');
      const report = await checkDigestOnlyPaths({ paths });
      emit(output, report, () => renderDigestOnlyText(report));
      assertDigestOnly(report);
    });
}
