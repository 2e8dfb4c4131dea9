import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineDouble, type RecordedExec, type Session } from '../../../doubles/dagger/engine.js';
import { engineSchema } from '../../../doubles/dagger/schema.js';
import { prepareRuntimeCopy, root, runUnderRuntimeAsync, type RuntimeCopy } from './runtimeCopy.js';

/**
 * Calls the module's functions as the engine does, against the engine double: for each call a new
 * process runs the SDK's own entrypoint (support/entrypoint.ts) in a runtime copy of the module, with
 * the real generated client of the pinned SDK, which sends its GraphQL queries to the double. The
 * object is built first by a constructor call, whose result is the parent of every function call.
 */

export interface Invocation {
  fn: string;
  /** JSON-able values; host files and folders as { file } / { directory }, secrets as { secret }. */
  args?: Record<string, unknown>;
}

export interface InvokeResult {
  fn: string;
  value?: unknown;
  error?: string;
  execs: RecordedExec[];
  session: Session;
}

export interface ModuleHarness {
  engine: EngineDouble;
  copy: RuntimeCopy;
  /** Every session so far (the constructor's and registration's included), to check every query. */
  sessions: Session[];
  invoke(calls: Invocation[], constructor: Record<string, unknown>): Promise<InvokeResult[]>;
  register(): Promise<Session>;
  close(): Promise<void>;
}

export async function moduleHarness(): Promise<ModuleHarness> {
  const copy = await prepareRuntimeCopy();
  await copyFile(join(root, 'test', 'integration', 'dagger', 'support', 'entrypoint.ts'), join(copy.moduleDir, 'entrypoint.ts'));
  const engine = await new EngineDouble(engineSchema(copy.sdk), join(root, 'bin', 'lockstep.js')).start();
  const files = JSON.stringify([join(copy.sdk, 'dist', 'src', 'api', 'client.gen.ts'), ...copy.sources]);
  const sessions: Session[] = [];
  const parents = new Map<string, string>();

  const revive = (value: unknown): unknown => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    const given = value as { file?: string; directory?: string; secret?: string };
    if (given.file !== undefined) return engine.file(given.file);
    if (given.directory !== undefined) return engine.directory(given.directory);
    if (given.secret !== undefined) return engine.secret(given.secret);
    return value;
  };
  const inputArgs = (args: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(args).filter(([, value]) => value !== undefined).map(([name, value]) => [name, JSON.stringify(revive(value))]));

  const run = async (parentName: string, name: string, parent: string, args: Record<string, unknown>): Promise<Session> => {
    const session = engine.session({ parentName, name, parent, inputArgs: inputArgs(args) });
    sessions.push(session);
    const child = await runUnderRuntimeAsync(copy, [join(copy.moduleDir, 'entrypoint.ts')], {
      DAGGER_SESSION_PORT: String(engine.port),
      DAGGER_SESSION_TOKEN: session.token,
      LOCKSTEP_MODULE_FILES: files,
    });
    if (!session.returned) throw new Error(`${name || parentName || 'registration'}: the module returned nothing (exit ${child.status}):\n${child.stderr}`);
    return session;
  };

  /** A returned value as the test reads it: an object's ID as the folder or file it stands for. */
  const shown = (json: string): unknown => {
    const value = JSON.parse(json) as unknown;
    const found = typeof value === 'string' ? engine.lookup(value) : undefined;
    if (found?.type === 'Directory') return { directory: found.path };
    if (found?.type === 'File') return { file: found.path };
    return value;
  };

  return {
    engine,
    copy,
    sessions,
    async invoke(calls, constructor) {
      // The engine builds the object once for the same constructor arguments; so does this.
      const key = JSON.stringify(constructor);
      if (!parents.has(key)) {
        const built = await run('Lockstep', '', '{}', constructor);
        if (!built.returned || !('value' in built.returned)) throw new Error(`the constructor failed: ${JSON.stringify(built.returned)}`);
        parents.set(key, built.returned.value);
      }
      const parent = parents.get(key)!;
      // A few at a time: each call is a process, as on the engine.
      const results: InvokeResult[] = [];
      for (let start = 0; start < calls.length; start += 4) {
        const batch = calls.slice(start, start + 4).map(async (call) => {
          const session = await run('Lockstep', call.fn, parent, call.args ?? {});
          const returned = session.returned!;
          return 'value' in returned ? { fn: call.fn, value: shown(returned.value), execs: session.execs, session } : { fn: call.fn, error: returned.error, execs: session.execs, session };
        });
        results.push(...(await Promise.all(batch)));
      }
      return results;
    },
    register: () => run('', '', '{}', {}),
    async close() {
      await engine.stop();
      await copy.remove();
    },
  };
}
