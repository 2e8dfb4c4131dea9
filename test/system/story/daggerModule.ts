import { copyFile, cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { RecordedExec } from './engineDouble.js';
import { strcaseKebab } from '../../integration/dagger/support/daggerCli.js';
import { prepareRuntimeCopy, root, runUnderRuntime, runUnderRuntimeAsync, type RuntimeCopy } from '../../integration/dagger/support/runtimeCopy.js';

/**
 * The lockstep Dagger module as a workflow's `dagger call` reaches it, without an engine: the words of
 * the call are parsed against the module as the SDK's introspector registers it (an unknown function
 * or flag fails), the object is constructed and the function called under the runtime's SDK surface,
 * with the engine played by the double of test/integration/dagger (which really runs the runner's
 * lockstep execs with this checkout's CLI). So a workflow reaches exactly the pipeline and inputs the
 * module gives it.
 */

interface Argument {
  name: string;
  type: string;
  optional: boolean;
}
interface DaggerFunction {
  name: string;
  returns: string;
  arguments: Argument[];
}
interface Scanned {
  objects: Array<{ name: string; constructor: Argument[]; functions: DaggerFunction[] }>;
}

export interface ParsedCall {
  constructorFlags: Record<string, string | true>;
  fn: DaggerFunction;
  flags: Record<string, string | true>;
  /** Core functions chained on the result (`export --path .lockstep/run`). */
  chain: Array<{ name: string; flags: Record<string, string | true> }>;
}

export interface CallOutcome {
  /** The `lockstep run <pipeline>` the function ran, or null. */
  pipeline: string | null;
  /** The CLI's arguments after `run <pipeline>`. */
  pipelineArgs: string[];
  /** A Directory result, when the function returned one. */
  directory?: string;
  error?: string;
  execs: RecordedExec[];
}

/** Values the engine supplies that a workflow's call line does not hold: where GitHub's API and the Docker engine are. */
export interface HostAdditions {
  githubApiUrl: string;
  /** The Docker engine the stack and compose environments use (the runner's engine on GitHub). */
  dockerSocket: boolean;
}

const engineDouble = join(root, 'test', 'system', 'story', 'engineDouble.ts');

export class ModuleUnderDouble {
  private constructor(
    private readonly copy: RuntimeCopy,
    private readonly scanned: Scanned,
  ) {}

  static async load(): Promise<ModuleUnderDouble> {
    const copy = await prepareRuntimeCopy(null, engineDouble);
    const script = join(copy.moduleDir, 'scanModule.mjs');
    await copyFile(join(root, 'test', 'integration', 'dagger', 'support', 'scanModule.mjs'), script);
    const scan = runUnderRuntime(copy, [script, copy.sdk, ...copy.sources], doubleEnv(copy));
    if (scan.status !== 0) throw new Error(`the module's introspection failed:\n${scan.stderr}`);
    return new ModuleUnderDouble(copy, JSON.parse(scan.stdout) as Scanned);
  }

  remove(): Promise<void> {
    return this.copy.remove();
  }

  private get object() {
    return this.scanned.objects.find((candidate) => candidate.name === 'Lockstep')!;
  }

  /** Parses the words after `dagger call` as the dagger CLI does: constructor flags, the function, its flags, chained calls. */
  parse(words: string[]): ParsedCall {
    let index = 0;
    const readFlags = (args: Argument[], owner: string): Record<string, string | true> => {
      const byFlag = new Map(args.map((arg) => [strcaseKebab(arg.name), arg]));
      const flags: Record<string, string | true> = {};
      while (index < words.length && words[index]!.startsWith('-')) {
        const [flag, inline] = words[index]!.replace(/^--?/, '').split(/=(.*)/s);
        index += 1;
        const arg = byFlag.get(flag!);
        if (!arg) throw new Error(`dagger call: ${owner} has no flag --${flag}`);
        if (inline !== undefined) flags[arg.name] = inline;
        else if (arg.type === 'Boolean') flags[arg.name] = true;
        else {
          if (index >= words.length) throw new Error(`dagger call: --${flag} needs a value`);
          flags[arg.name] = words[index]!;
          index += 1;
        }
      }
      return flags;
    };
    const constructorFlags = readFlags(this.object.constructor, 'the constructor');
    const name = words[index];
    index += 1;
    const fn = this.object.functions.find((candidate) => strcaseKebab(candidate.name) === name);
    if (!fn) throw new Error(`dagger call: the module has no function ${name ?? '(none)'}`);
    const flags = readFlags(fn.arguments, name!);
    const chain: ParsedCall['chain'] = [];
    while (index < words.length) {
      const chained = words[index]!;
      index += 1;
      if (chained !== 'export' || fn.returns !== 'Directory') throw new Error(`dagger call: ${chained} cannot be chained on ${fn.returns}`);
      chain.push({ name: chained, flags: readFlags([{ name: 'path', type: 'String', optional: false }], chained) });
    }
    return { constructorFlags, fn, flags, chain };
  }

  /**
   * Calls the parsed function in `cwd` (the checkout), resolving env:// secrets from `env`, then runs
   * the chained export into the checkout. Returns what the module ran and returned.
   */
  async call(parsed: ParsedCall, options: { cwd: string; env: Record<string, string>; host: HostAdditions; hostEnv: string[]; timeoutMs: number }): Promise<CallOutcome> {
    const value = (arg: Argument, raw: string | true | undefined): unknown => {
      if (raw === undefined) return null;
      if (arg.type === 'Boolean') return raw === true || raw === 'true';
      if (raw === true) throw new Error(`dagger call: --${strcaseKebab(arg.name)} needs a value`);
      switch (arg.type) {
        case 'Integer': {
          if (!/^-?\d+$/.test(raw)) throw new Error(`dagger call: --${strcaseKebab(arg.name)} "${raw}" is not an integer`);
          return Number(raw);
        }
        case 'Secret': {
          const name = /^env:\/\/(\w+)$/.exec(raw)?.[1];
          if (!name) throw new Error(`dagger call: --${strcaseKebab(arg.name)} must be env://NAME here, got ${raw}`);
          if (options.env[name] === undefined) throw new Error(`dagger call: secret env var not found: ${name}`);
          return { secret: options.env[name] };
        }
        case 'Directory':
          return { directory: isAbsolute(raw) ? raw : resolve(options.cwd, raw) };
        case 'File':
          return { file: isAbsolute(raw) ? raw : resolve(options.cwd, raw) };
        case '[String]':
          return raw.split(',');
        case 'String':
          return raw;
        default:
          throw new Error(`dagger call: arguments of type ${arg.type} are not handled here`);
      }
    };
    const cliSource = await mkdtemp(join(tmpdir(), 'lockstep-story-cli-'));
    const constructorArgs = this.object.constructor.map((arg) => {
      if (arg.name === 'cliSource') return { directory: cliSource };
      if (arg.name === 'githubApiUrl' && parsed.constructorFlags.githubApiUrl === undefined) return options.host.githubApiUrl;
      if (arg.name === 'dockerSocket') return options.host.dockerSocket ? { socket: true } : null;
      return value(arg, parsed.constructorFlags[arg.name]);
    });
    // A flag left out travels as null and reaches the function as undefined, so its default applies.
    const args = parsed.fn.arguments.map((arg) => value(arg, parsed.flags[arg.name]));
    const spec = { module: this.copy.sources.find((file) => file.endsWith('index.ts')), source: '', constructorArgs, calls: [{ fn: parsed.fn.name, args }] };
    try {
      const child = await runUnderRuntimeAsync(this.copy, [join(root, 'test', 'system', 'story', 'invokeModule.ts'), JSON.stringify(spec)], {
        ...doubleEnv(this.copy),
        LOCKSTEP_DOUBLE_HOST_ENV: options.hostEnv.join(','),
        LOCKSTEP_DOUBLE_EXEC_TIMEOUT_MS: String(options.timeoutMs),
      });
      if (child.status !== 0) throw new Error(`the module call failed to run:\n${child.stderr}`);
      const [result] = JSON.parse(child.stdout) as Array<{ value?: unknown; error?: string; execs: RecordedExec[] }>;
      const ran = result!.execs.filter((exec) => exec.ran).at(-1);
      const at = ran ? ran.args.indexOf('run') : -1;
      const outcome: CallOutcome = {
        pipeline: at >= 0 ? ran!.args[at + 1]! : null,
        pipelineArgs: at >= 0 ? ran!.args.slice(at + 2) : [],
        execs: result!.execs,
        ...(result!.error ? { error: result!.error } : {}),
      };
      const directory = (result!.value as { directory?: string } | undefined)?.directory;
      if (directory) {
        outcome.directory = directory;
        for (const link of parsed.chain) {
          const path = String(link.flags.path);
          await rm(resolve(options.cwd, path), { recursive: true, force: true });
          await cp(directory, resolve(options.cwd, path), { recursive: true });
        }
      }
      return outcome;
    } finally {
      await rm(cliSource, { recursive: true, force: true });
    }
  }
}

/** What the engine double reads: the pinned SDK's client declarations and the CLI it runs. */
function doubleEnv(copy: RuntimeCopy): Record<string, string> {
  return { LOCKSTEP_DOUBLE_CLIENT: join(copy.sdk, 'dist', 'src', 'api', 'client.gen.d.ts'), LOCKSTEP_DOUBLE_CLI: join(root, 'bin', 'lockstep.js') };
}
