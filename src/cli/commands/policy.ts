// `lockstep policy ...`: guardrails that fail a pipeline before anything mutable reaches an environment.
import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';
import type { stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { loadConfig } from '../../config/load.js';
import { configuredPolicyFiles } from '../../policy/configuredFiles.js';
import { assertDigestOnly, checkDigestOnlyPaths } from '../../stages/policyDigestOnly.js';
import { renderDigestOnlyText } from '../../policy/render.js';

export async function policyDigestOnlyAction(paths: string[], _options: OptionsOf<typeof stages.policyDigestOnly>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions & { config: string }>();
  const configured = paths.length > 0 ? undefined : configuredPolicyFiles(await loadConfig(output.config), output.config);
  const report = await checkDigestOnlyPaths({ paths, configured });
  emit(output, report, () => renderDigestOnlyText(report));
  assertDigestOnly(report);
}
