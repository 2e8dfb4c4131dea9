import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';
import { declareCommand, stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';

/** `lockstep demo`: the whole promotion on this machine, with nothing but Node and Docker. */
export function registerDemoCommands(program: Command): void {
  declareCommand(program, stages.demo).action(async (options: OptionsOf<typeof stages.demo>, command: Command) => {
    const output = command.optsWithGlobals<OutputOptions>();
    const { runDemo } = await import('../../demo/runDemo.js');
    const { renderDemoSummary } = await import('../../demo/renderDemoSummary.js');
    const started = performance.now();
    const result = await runDemo({
      keep: Boolean(options.keep),
      reportDir: options.reportDir,
      registryImage: options.registryImage ?? (process.env.LOCKSTEP_REGISTRY_IMAGE || 'registry:2'),
      nodeImage: options.nodeImage ?? (process.env.LOCKSTEP_NODE_IMAGE || 'node:22-bookworm-slim'),
      baseImage: options.baseImage ?? (process.env.LOCKSTEP_BASE_IMAGE || 'debian:bookworm-slim'),
      say: (line) => process.stderr.write(`${line}\n`),
    });
    emit(output, result, () => renderDemoSummary(result, performance.now() - started));
    if (!result.ok) process.exitCode = 1;
  });
}
