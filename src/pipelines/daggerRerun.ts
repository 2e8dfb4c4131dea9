import { stages } from '../cli/table/index.js';
import { longFlag, type CommandSpec, type FlagSpec } from '../cli/table/spec.js';
import { rerunLine } from './plans.js';

/**
 * Rerun lines for a pipeline the Dagger module runs. Its runner sees inputs and outputs under paths of
 * its own (/lockstep/in, /lockstep/out), which mean nothing to the person reading the report; they
 * rerun a stage with `dagger call`, through the module's function for it. The module says how it was
 * called (its constructor flags) and how its runner paths read for the caller, in LOCKSTEP_DAGGER_CALL;
 * this file owns which function runs each CLI stage and which of its flags the function takes; the
 * stage table names the function's argument for each flag.
 */

export interface DaggerCallContext {
  /** The words between `dagger call` and the function: the constructor flags, --source first. */
  call: string[];
  /** Runner path prefixes and how the caller writes them (an input's name, the exported report folder). */
  paths: Record<string, string>;
}

/** A CLI command, the module function that runs it alone, its flags as the function's, and the CLI flags the function sets itself. */
interface FunctionRow {
  /** The command's words (`lock generate`), its alias too. */
  commands: string[][];
  fn: string;
  /** CLI flag -> the function's flag. */
  flags: Record<string, string>;
  /** CLI flags the function sets itself, with whether each takes a value (--offline does not). */
  implied: Map<string, boolean>;
  /** Flags the function needs to run this stage alone (rollback without its smoke stage). */
  extra: string[];
}

type FlagKey<C extends CommandSpec> = keyof C['flags'] & string;

/**
 * A row from the stage table: the flags the function takes, by the table's names; each is passed as
 * the function's argument the table names (`dagger`), else as the flag's own name.
 */
function row<C extends CommandSpec>(
  spec: C,
  fn: string,
  flags: ReadonlyArray<FlagKey<C>>,
  more: { implied?: ReadonlyArray<FlagKey<C>>; extra?: string[] } = {},
): FunctionRow {
  const table: Readonly<Record<FlagKey<C>, FlagSpec>> = spec.flags;
  const flag = (key: FlagKey<C>): FlagSpec => table[key];
  const words = (name: string) => [...(spec.group ? [spec.group] : []), name];
  return {
    commands: [words(spec.name), ...(spec.alias ? [words(spec.alias)] : [])],
    fn,
    flags: Object.fromEntries(flags.map((key) => [longFlag(flag(key)), `--${kebab(flag(key).dagger ?? key)}`])),
    implied: new Map((more.implied ?? []).map((key) => [longFlag(flag(key)), /[<[]/.test(flag(key).flags)])),
    extra: more.extra ?? [],
  };
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

const functions: FunctionRow[] = [
  row(stages.lockGenerate, 'lock-generate', ['ref', 'pullRequest', 'base', 'only'], { implied: ['out'] }),
  row(stages.stackUp, 'stack-test', ['lock'], { implied: ['project'] }),
  row(stages.stackTest, 'stack-test', ['suite'], { implied: ['project', 'report'] }),
  row(stages.stackDown, 'stack-test', [], { implied: ['project'] }),
  row(stages.prComment, 'pr-comment', ['pr', 'lock'], { implied: ['out', 'baseLock'] }),
  row(stages.prCommitLock, 'pr-commit-lock', ['branch', 'pr', 'lock']),
  row(stages.prOpenPromotion, 'pr-open-promotion', ['from', 'to', 'runUrl', 'e2eSummary', 'lock'], { implied: ['out'] }),
  row(stages.gateApprovals, 'gate-approvals', ['pr', 'required', 'commit', 'lock'], { implied: ['productionBranch'] }),
  row(stages.health, 'health', ['env']),
  row(stages.deploy, 'deploy', ['env', 'lock']),
  row(stages.e2e, 'end-to-end', ['env'], { implied: ['reportDir'] }),
  row(stages.smoke, 'smoke', ['env'], { implied: ['reportDir'] }),
  row(stages.releaseResolve, 'release-resolve', ['commit', 'pr', 'version', 'lock'], { implied: ['branch', 'offline'] }),
  row(stages.releaseArchive, 'release', ['version', 'lock']),
  row(stages.releaseCommitArchive, 'release-commit-archive', ['version'], { implied: ['branch'] }),
  row(stages.releasePublish, 'release-publish', ['version', 'target', 'lock'], { implied: ['branch'] }),
  row(stages.rollback, 'rollback', ['env', 'to', 'toLock'], { extra: ['--smoke=false'] }),
];

/** The context the module set for this run, or null outside the module. */
export function daggerCallContext(env: NodeJS.ProcessEnv = process.env): DaggerCallContext | null {
  const text = env.LOCKSTEP_DAGGER_CALL;
  if (!text) return null;
  let parsed: Partial<DaggerCallContext>;
  try {
    parsed = JSON.parse(text) as Partial<DaggerCallContext>;
  } catch {
    return null;
  }
  return { call: Array.isArray(parsed.call) ? parsed.call.map(String) : [], paths: typeof parsed.paths === 'object' && parsed.paths !== null ? parsed.paths : {} };
}

/**
 * The line that reruns one stage (its lockstep arguments) alone: `dagger call` with the function for
 * it when run by the module, else the lockstep command. A stage the module has no function for, or a
 * flag it cannot pass, keeps the lockstep command, with the caller's paths.
 */
export function stageRerunLine(args: string[], context: DaggerCallContext | null): string {
  if (!context) return rerunLine(args);
  const rest = args[0] === '--config' ? args.slice(2) : args;
  const found = functions.flatMap((candidate) => candidate.commands.map((command) => ({ row: candidate, command }))).find(({ command }) => command.every((word, index) => rest[index] === word));
  const shown = (value: string) => displayPath(value, context.paths);
  const fallback = () => rerunLine(args.map(shown));
  if (!found) return fallback();
  const { row, command } = found;
  const words = ['call', ...context.call, row.fn];
  const flags = rest.slice(command.length);
  for (let index = 0; index < flags.length; index += 1) {
    const flag = flags[index]!;
    const value = flags[index + 1];
    const takesValue = row.implied.get(flag);
    if (takesValue !== undefined) {
      if (takesValue) index += 1;
      continue;
    }
    const mapped = row.flags[flag];
    if (!mapped || value === undefined) return fallback();
    words.push(mapped, shown(value));
    index += 1;
  }
  return rerunLine([...words, ...row.extra], 'dagger');
}

function displayPath(value: string, paths: Record<string, string>): string {
  for (const [prefix, shown] of Object.entries(paths)) {
    if (value === prefix) return shown;
    if (value.startsWith(`${prefix}/`)) return `${shown}${value.slice(prefix.length)}`;
  }
  return value;
}
