import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';

/** `lockstep demo`: the whole promotion on this machine, with nothing but Node and Docker. */
export function registerDemoCommands(program: Command): void {
  program
    .command('demo')
    .description(
      'Run the whole promotion on a throw-away local sandbox: pull-request check, staging, production v1.0.0, a broken release that restores itself, a manual rollback.',
    )
    .option('--keep', 'leave the sandbox (registry, repositories, both environments) running to poke at')
    .option('--report-dir <dir>', 'where the run reports and demo.json are written', 'report/demo')
    .option('--registry-image <image>', 'the registry image (default: $LOCKSTEP_REGISTRY_IMAGE, else registry:2)')
    .option('--node-image <image>', 'the base image of the Node services (default: $LOCKSTEP_NODE_IMAGE, else node:22-bookworm-slim)')
    .option('--base-image <image>', 'the base image of the redis image (default: $LOCKSTEP_BASE_IMAGE, else debian:bookworm-slim)')
    .action(async (options: { keep?: boolean; reportDir: string; registryImage?: string; nodeImage?: string; baseImage?: string }, command: Command) => {
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
