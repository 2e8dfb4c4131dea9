// `lockstep demo`: the whole promotion on this machine, with nothing but Node and Docker.
import type { Command } from 'commander';
import { emit, type OutputOptions } from '../output.js';
import type { stages } from '../table/index.js';
import type { OptionsOf } from '../table/spec.js';
import { defaultImages } from '../../defaults.js';
import { baseImagesFromEnv } from '../../sandbox/images.js';
import { runDemo } from '../../demo/runDemo.js';
import { renderDemoSummary } from '../../demo/renderDemoSummary.js';

export async function demoAction(options: OptionsOf<typeof stages.demo>, command: Command): Promise<void> {
  const output = command.optsWithGlobals<OutputOptions>();
  const started = performance.now();
  const result = await runDemo({
    keep: Boolean(options.keep),
    reportDir: options.reportDir,
    registryImage: options.registryImage ?? (process.env.LOCKSTEP_REGISTRY_IMAGE || defaultImages.registry),
    nodeImage: options.nodeImage ?? baseImagesFromEnv().node,
    baseImage: options.baseImage ?? baseImagesFromEnv().base,
    say: (line) => process.stderr.write(`${line}\n`),
  });
  emit(output, result, () => renderDemoSummary(result, performance.now() - started));
  if (!result.ok) process.exitCode = 1;
}
