// Bundles the CLI (`npm run build`, after tsc) into dist/bin/, which bin/lockstep.js loads: the CLI's
// own modules and the packages every command loads (commander, yaml, zod) in a few files instead of
// about 300, whose resolution and compilation were most of a command's start-up. Code loaded with
// import() stays in its own chunk, loaded only by the commands that use it, and the other runtime
// dependencies (the GitHub, Kubernetes and AWS clients) stay packages in node_modules.
// dist/bin/meta.json records which module went into which chunk, for the start-up test.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

const bundled = ['commander', 'yaml', 'zod'];
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys(manifest.dependencies)
  .filter((name) => !bundled.includes(name))
  .flatMap((name) => [name, `${name}/*`]);

const result = await build({
  absWorkingDir: root,
  entryPoints: ['dist/cli/main.js'],
  outdir: 'dist/bin',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  // commander and yaml are CommonJS and require() node's built-ins, which an ES module must provide.
  banner: { js: "import { createRequire as lockstepCreateRequire } from 'node:module';\nconst require = lockstepCreateRequire(import.meta.url);" },
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(join(root, 'dist', 'bin', 'meta.json'), `${JSON.stringify(result.metafile)}\n`);
