import { spawnSync } from 'node:child_process';
import { copyFile, cp, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectProcess } from '../../../support/collectProcess.js';

/**
 * The module laid out as the Dagger 0.21 TypeScript runtime lays it out, without an engine: the
 * runtime does not install the npm @dagger.io/dagger; it generates its SDK into dagger/sdk, whose
 * index exports only these names and the generated client, and points the module's tsconfig paths at
 * it. Here dagger/sdk re-exports exactly that surface from the pinned npm package, so an import the
 * real runtime would refuse (ExecError, say) fails to load here too.
 */
export const runtimeExports = ['connection', 'connect', 'Context', 'func', 'check', 'generate', 'argument', 'object', 'field', 'enumType', 'entrypoint'] as const;

export const root = fileURLToPath(new URL('../../../..', import.meta.url));

export interface RuntimeCopy {
  dir: string;
  /** The copied npm SDK (with client.gen.ts beside its declarations, which the introspector reads). */
  sdk: string;
  moduleDir: string;
  sources: string[];
  remove(): Promise<void>;
}

/**
 * @param sources the module's files (default: dagger/src)
 * @param client where the generated client comes from (default: the pinned SDK's; a double of the engine in invoke tests)
 */
export async function prepareRuntimeCopy(sources: Record<string, string> | null = null, client?: string): Promise<RuntimeCopy> {
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-dagger-runtime-'));
  const modules = join(dir, 'node_modules');
  const sdk = join(modules, '@dagger.io', 'dagger');
  await mkdir(join(modules, '@dagger.io'), { recursive: true });
  await cp(join(root, 'node_modules', '@dagger.io', 'dagger'), sdk, { recursive: true });
  const api = join(sdk, 'dist', 'src', 'api');
  await copyFile(join(api, 'client.gen.d.ts'), join(api, 'client.gen.ts'));
  // Everything else the SDK imports (graphql, typescript, tsx...) comes from the project, by link.
  for (const entry of await readdir(join(root, 'node_modules'))) {
    if (entry !== '@dagger.io') await symlink(join(root, 'node_modules', entry), join(modules, entry));
  }

  const moduleDir = join(dir, 'dagger');
  await mkdir(join(moduleDir, 'src'), { recursive: true });
  await mkdir(join(moduleDir, 'sdk'));
  const files = sources ?? Object.fromEntries(
    await Promise.all(
      (await readdir(join(root, 'dagger', 'src'))).filter((file) => file.endsWith('.ts')).map(async (file) => [file, await readFile(join(root, 'dagger', 'src', file), 'utf8')] as const),
    ),
  );
  for (const [file, text] of Object.entries(files)) await writeFile(join(moduleDir, 'src', file), text);
  const index = join(sdk, 'dist', 'src', 'index.js');
  await writeFile(
    join(moduleDir, 'sdk', 'index.ts'),
    [
      '// What the runtime bundle exports: the decorators, the connection helpers and the generated client.',
      `export { ${runtimeExports.join(', ')} } from ${JSON.stringify(index)};`,
      `export * from ${JSON.stringify(client ?? join(sdk, 'dist', 'src', 'api', 'client.gen.js'))};`,
      '',
    ].join('\n'),
  );
  await writeFile(join(moduleDir, 'sdk', 'telemetry.ts'), `export * from ${JSON.stringify(join(sdk, 'dist', 'src', 'telemetry', 'index.js'))};\n`);
  // The module's own tsconfig, which already points at ./sdk as the runtime would rewrite it.
  await copyFile(join(root, 'dagger', 'tsconfig.json'), join(moduleDir, 'tsconfig.json'));
  await writeFile(join(moduleDir, 'package.json'), await readFile(join(root, 'dagger', 'package.json'), 'utf8'));
  return {
    dir,
    sdk,
    moduleDir,
    sources: Object.keys(files).map((file) => join(moduleDir, 'src', file)),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs a script with tsx under the module's tsconfig, in the copy; returns its exit status and output. */
export function runUnderRuntime(copy: RuntimeCopy, args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, ['--import', 'tsx', ...args], {
    cwd: copy.moduleDir,
    env: { ...process.env, ...env, TSX_TSCONFIG_PATH: join(copy.moduleDir, 'tsconfig.json') },
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: child.status, stdout: child.stdout, stderr: child.stderr };
}

/** runUnderRuntime without blocking this process: for a module that talks to a server living here (the engine double). */
export async function runUnderRuntimeAsync(copy: RuntimeCopy, args: string[], env: Record<string, string> = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return collectProcess(process.execPath, ['--import', 'tsx', ...args], {
    cwd: copy.moduleDir,
    env: { ...process.env, ...env, TSX_TSCONFIG_PATH: join(copy.moduleDir, 'tsconfig.json') },
    timeout: 300_000,
  });
}

