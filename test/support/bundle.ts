// What the built CLI loaded, by source module: bin/lockstep.js loads the bundle in dist/bin/
// (scripts/bundleCli.mjs), whose meta.json says which modules went into each of its files.
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './cli.js';

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}

/**
 * The modules (paths from the repository root: `dist/stages/lockGenerate.js`,
 * `node_modules/zod/...`) a CLI process loaded, from the log runCli's `moduleLog` option wrote: the
 * bundle's files stand for the modules inside them, anything else for itself.
 */
export async function loadedModules(log: string): Promise<string[]> {
  const meta = JSON.parse(await readFile(join(repoRoot, 'dist', 'bin', 'meta.json'), 'utf8')) as Metafile;
  const urls = (await readFile(log, 'utf8')).split('\n').filter((line) => line.startsWith('file:'));
  return [
    ...new Set(
      urls.flatMap((url) => {
        const path = relative(repoRoot, fileURLToPath(url));
        const output = meta.outputs[path];
        return output ? Object.keys(output.inputs) : [path];
      }),
    ),
  ];
}
