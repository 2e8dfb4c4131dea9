import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/** What `npm i -g lockstep` installs: only what the CLI runs, and everything people expect beside it. */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  files: string[];
  license: string;
  repository: string;
  homepage: string;
  bugs: string;
  engines: { node: string };
};

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? sources(path) : entry.endsWith('.ts') ? [path] : [];
  });
}

/** The packages `src/` imports (the CLI and library: all that ships). */
function runtimeImports(): Set<string> {
  const found = new Set<string>();
  for (const file of sources(join(root, 'src'))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bfrom\s+'([@a-z][\w./@-]*)';$|\bimport\(\s*'([@a-z][\w./@-]*)'\s*\)/gm)) {
      const specifier = (match[1] ?? match[2])!;
      if (specifier.startsWith('node:')) continue;
      found.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
    }
  }
  return found;
}

describe('the npm package', () => {
  it('depends on exactly what src/ imports; the Dagger SDK and test tools are dev dependencies', () => {
    const imported = runtimeImports();
    const runtime = new Set(Object.keys(pkg.dependencies));
    // bottleneck is the throttling plugin's peer: imported through the plugin, not by name.
    for (const name of imported) assert.ok(runtime.has(name), `${name} is imported by src/ and must be a dependency`);
    for (const name of runtime) assert.ok(imported.has(name) || name === 'bottleneck', `${name} is a dependency nothing in src/ imports`);
    assert.ok(!runtime.has('@dagger.io/dagger'));
    assert.ok(pkg.devDependencies['@dagger.io/dagger'], 'the dagger/ typecheck uses the SDK');
  });

  it('names its licence, source, homepage and issue tracker, with the licence text beside it', () => {
    assert.equal(pkg.license, 'Apache-2.0');
    assert.match(readFileSync(join(root, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0, January 2004[\s\S]*END OF TERMS AND CONDITIONS/);
    assert.match(pkg.repository, /^github:[\w-]+\/lockstep$/);
    const owner = pkg.repository.slice('github:'.length);
    assert.equal(pkg.homepage, `https://github.com/${owner}#readme`);
    assert.equal(pkg.bugs, `https://github.com/${owner}/issues`);
  });

  it('ships the CLI, both schemas, the workflow templates and the example system, and no tests', () => {
    const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' });
    assert.equal(packed.status, 0, packed.stderr);
    const files = new Set((JSON.parse(packed.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((file) => file.path));
    for (const path of ['LICENSE', 'README.md', 'bin/lockstep.js', 'locks/schema.json', 'locks/config.schema.json', 'lockstep.config.yaml', 'compose/compose.yaml']) {
      assert.ok(files.has(path), path);
    }
    for (const name of readdirSync(join(root, 'templates', 'workflows'))) assert.ok(files.has(`templates/workflows/${name}`), name);
    assert.ok(![...files].some((path) => path.startsWith('test/') || path.startsWith('dagger/') || path.startsWith('src/')));
  });
});
