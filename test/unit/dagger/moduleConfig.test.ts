import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const json = (path: string) => JSON.parse(readFileSync(`${root}/${path}`, 'utf8')) as Record<string, unknown>;

describe('the module as the engine loads it', () => {
  const daggerJson = json('dagger.json') as { name: string; engineVersion: string; sdk: { source: string }; source: string };
  const rootPackage = json('package.json') as { dependencies: Record<string, string>; devDependencies: Record<string, string>; scripts: Record<string, string> };
  const modulePackage = json('dagger/package.json') as Record<string, unknown> & { dependencies: Record<string, string> };
  const sdk = rootPackage.devDependencies['@dagger.io/dagger'] ?? rootPackage.dependencies['@dagger.io/dagger'];

  it('is lockstep, TypeScript, with its sources in dagger/', () => {
    assert.equal(daggerJson.name, 'lockstep');
    assert.equal(daggerJson.sdk.source, 'typescript');
    assert.equal(daggerJson.source, 'dagger');
  });

  it('pins the engine to the SDK version the offline checks load', () => {
    assert.match(sdk ?? '', /^\d+\.\d+\.\d+$/, 'an exact version, so the engine pin cannot drift from it');
    assert.equal(daggerJson.engineVersion, `v${sdk}`);
  });

  it('has the package.json `dagger init --sdk=typescript` writes: no SDK from npm, no packageManager', () => {
    // The runtime generates its SDK into dagger/sdk; an npm @dagger.io/dagger would be removed, and a
    // packageManager field makes it install that package manager on every build.
    assert.deepEqual(Object.keys(modulePackage).sort(), ['dependencies', 'type']);
    assert.equal(modulePackage.type, 'module');
    assert.deepEqual(Object.keys(modulePackage.dependencies), ['typescript']);
  });

  it('has the tsconfig `dagger init` writes, pointing at the generated SDK, and stays out of the root build', () => {
    const moduleTsconfig = json('dagger/tsconfig.json') as { compilerOptions: Record<string, unknown> };
    assert.deepEqual(moduleTsconfig.compilerOptions, {
      target: 'ES2022',
      moduleResolution: 'Node',
      experimentalDecorators: true,
      strict: true,
      skipLibCheck: true,
      paths: { '@dagger.io/dagger': ['./sdk/index.ts'], '@dagger.io/dagger/telemetry': ['./sdk/telemetry.ts'] },
    });
    const rootTsconfig = json('tsconfig.json') as { exclude: string[] };
    assert.ok(rootTsconfig.exclude.includes('dagger'));
    assert.match(rootPackage.scripts.typecheck ?? '', /tsc -p tsconfig\.dagger\.json/);
  });
});
