// Runs in a runtime copy whose generated client is the engine double: constructs the module's object
// as the engine would (positional constructor arguments) and calls the functions a spec names.
import { Directory, execs, File, Secret } from './engineDouble.js';

interface Call {
  fn: string;
  args: unknown[];
}
interface Spec {
  module: string;
  source: string;
  config?: string;
  githubToken?: string;
  calls: Call[];
}

const spec = JSON.parse(process.argv[2]!) as Spec;
const { Lockstep } = (await import(spec.module)) as { Lockstep: new (...args: unknown[]) => Record<string, (...args: unknown[]) => Promise<unknown>> };
const revive = (value: unknown) => (value !== null && typeof value === 'object' && 'file' in value ? new File((value as { file: string }).file) : value);
const results = [];
for (const call of spec.calls) {
  execs.length = 0;
  const token = spec.githubToken === undefined ? undefined : new Secret(spec.githubToken);
  const module = new Lockstep(new Directory(spec.source), new Directory(), spec.config, 'locks/current.lock.yaml', token);
  try {
    const value = await module[call.fn]!(...call.args.map(revive));
    const shown = value instanceof Directory ? { directory: value.path } : value instanceof File ? { file: value.path } : value;
    results.push({ fn: call.fn, value: shown, execs: [...execs] });
  } catch (error) {
    results.push({ fn: call.fn, error: (error as Error).message, execs: [...execs] });
  }
}
process.stdout.write(JSON.stringify(results));
