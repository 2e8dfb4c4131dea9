import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const json = (path: string) => JSON.parse(readFileSync(`${root}/${path}`, 'utf8')) as Record<string, unknown>;

describe('the module as the engine loads it', () => {
  const daggerJson = json('dagger.json') as { name: string; engineVersion: string; sdk: { source: string }; source: string };
  const rootPackage = json('package.json') as { dependencies: Record<string, string>; scripts: Record<string, string> };
  const modulePackage = json('dagger/package.json') as { dependencies: Record<string, string>; devDependencies?: unknown; packageManager?: string };

  it('is lockstep, TypeScript, with its sources in dagger/', () => {
    assert.equal(daggerJson.name, 'lockstep');
    assert.equal(daggerJson.sdk.source, 'typescript');
    assert.equal(daggerJson.source, 'dagger');
  });

  it('pins the engine to the SDK version the project and the module depend on', () => {
    const sdk = rootPackage.dependencies['@dagger.io/dagger'];
    assert.match(sdk ?? '', /^\d+\.\d+\.\d+$/, 'an exact version, so the engine pin cannot drift from it');
    assert.equal(daggerJson.engineVersion, `v${sdk}`);
    assert.equal(modulePackage.dependencies['@dagger.io/dagger'], sdk);
  });

  it('lists only production dependencies for the runtime to install, with a lock file and npm pinned', () => {
    assert.equal(modulePackage.devDependencies, undefined);
    assert.match(modulePackage.packageManager ?? '', /^npm@\d+\.\d+\.\d+$/);
    const moduleLock = json('dagger/package-lock.json') as { packages: Record<string, { version?: string }> };
    assert.equal(moduleLock.packages['node_modules/@dagger.io/dagger']?.version, rootPackage.dependencies['@dagger.io/dagger']);
  });

  it('compiles with the decorators the SDK uses, and stays out of the root build', () => {
    const moduleTsconfig = json('dagger/tsconfig.json') as { compilerOptions: Record<string, unknown> };
    assert.equal(moduleTsconfig.compilerOptions.experimentalDecorators, true);
    const rootTsconfig = json('tsconfig.json') as { exclude: string[] };
    assert.ok(rootTsconfig.exclude.includes('dagger'));
    assert.match(rootPackage.scripts.typecheck ?? '', /tsc -p dagger\/tsconfig\.json --noEmit/);
  });
});
