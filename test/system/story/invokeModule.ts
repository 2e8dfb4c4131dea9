// Runs in a runtime copy whose generated client is the engine double: constructs the module's object
// as the engine would (positional constructor arguments) and calls the functions a spec names.
import { Directory, execs, File, Secret, Socket } from './engineDouble.js';

interface Call {
  fn: string;
  args: unknown[];
}
interface Spec {
  module: string;
  source: string;
  config?: string;
  githubToken?: string;
  /** The constructor's arguments by position, as `dagger call` flags give them (overrides source, config, githubToken). */
  constructorArgs?: unknown[];
  calls: Call[];
}

const spec = JSON.parse(process.argv[2]!) as Spec;
const { Lockstep } = (await import(spec.module)) as { Lockstep: new (...args: unknown[]) => Record<string, (...args: unknown[]) => Promise<unknown>> };
/** Core objects travel as {file}, {directory}, {secret} or {socket}; everything else as itself. */
const revive = (value: unknown) => {
  if (value === null || typeof value !== 'object') return value;
  if ('file' in value) return new File((value as { file: string }).file);
  if ('directory' in value) return new Directory((value as { directory: string }).directory);
  if ('secret' in value) return new Secret((value as { secret: string }).secret);
  if ('socket' in value) return new Socket();
  return value;
};
const results = [];
for (const call of spec.calls) {
  execs.length = 0;
  const token = spec.githubToken === undefined ? undefined : new Secret(spec.githubToken);
  const module = spec.constructorArgs
    ? // JSON has no undefined: a null is a flag left out, which the engine fills with the default.
      new Lockstep(...spec.constructorArgs.map((value) => (value === null ? undefined : revive(value))))
    : new Lockstep(new Directory(spec.source), new Directory(), spec.config, 'locks/current.lock.yaml', token);
  try {
    // Called as `dagger call` calls it (constructorArgs given), a null is a flag left out: undefined, so defaults apply.
    const args = call.args.map((value) => (value === null && spec.constructorArgs ? undefined : revive(value)));
    const value = await module[call.fn]!(...args);
    const shown = value instanceof Directory ? { directory: value.path } : value instanceof File ? { file: value.path } : value;
    results.push({ fn: call.fn, value: shown, execs: [...execs] });
  } catch (error) {
    results.push({ fn: call.fn, error: (error as Error).message, execs: [...execs] });
  }
}
process.stdout.write(JSON.stringify(results));
