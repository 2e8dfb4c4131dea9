import { rerunLine } from './plans.js';

/**
 * Rerun lines for a pipeline the Dagger module runs. Its runner sees inputs and outputs under paths of
 * its own (/lockstep/in, /lockstep/out), which mean nothing to the person reading the report; they
 * rerun a stage with `dagger call`, through the module's function for it. The module says how it was
 * called (its constructor flags) and how its runner paths read for the caller, in LOCKSTEP_DAGGER_CALL;
 * this file owns the rest: which function and flags stand for each CLI stage.
 */

export interface DaggerCallContext {
  /** The words between `dagger call` and the function: the constructor flags, --source first. */
  call: string[];
  /** Runner path prefixes and how the caller writes them (an input's name, the exported report folder). */
  paths: Record<string, string>;
}

/** A CLI command, the module function that runs it alone, its flags by CLI flag, and the CLI flags the function sets itself. */
interface FunctionRow {
  command: string[];
  fn: string;
  flags: Record<string, string>;
  implied?: string[];
  /** Flags the function needs to run this stage alone (rollback without its smoke stage). */
  extra?: string[];
  /** Value-less CLI flags the function decides itself (release resolve is offline without a GitHub token). */
  switches?: string[];
}

const lockFlag = { '--lock': '--lock-file' };
const envFlag = { '--env': '--environment' };

const functions: FunctionRow[] = [
  { command: ['lock', 'generate'], fn: 'lock-generate', flags: { '--ref': '--ref', '--pull-request': '--pull-request', '--base': '--base', '--only': '--only' }, implied: ['--out'] },
  { command: ['stack', 'up'], fn: 'stack-test', flags: { ...lockFlag }, implied: ['--project'] },
  { command: ['stack', 'test'], fn: 'stack-test', flags: { '--suite': '--suite' }, implied: ['--project', '--report'] },
  { command: ['stack', 'down'], fn: 'stack-test', flags: {}, implied: ['--project'] },
  { command: ['pr', 'comment'], fn: 'pr-comment', flags: { '--pr': '--pull-request', ...lockFlag }, implied: ['--out', '--base-lock'] },
  { command: ['pr', 'commit-lock'], fn: 'pr-commit-lock', flags: { '--branch': '--branch', '--pr': '--pull-request', ...lockFlag } },
  { command: ['pr', 'open-promotion'], fn: 'pr-open-promotion', flags: { '--from': '--from', '--to': '--to', '--run-url': '--run-url', '--e2e-summary': '--end-to-end-summary', ...lockFlag }, implied: ['--out'] },
  { command: ['gate', 'approvals'], fn: 'gate-approvals', flags: { '--pr': '--pull-request', '--required': '--required', '--commit': '--commit', ...lockFlag }, implied: ['--production-branch'] },
  { command: ['health'], fn: 'health', flags: { ...envFlag } },
  { command: ['deploy'], fn: 'deploy', flags: { ...envFlag, ...lockFlag } },
  { command: ['e2e'], fn: 'end-to-end', flags: { ...envFlag }, implied: ['--report-dir'] },
  { command: ['end-to-end'], fn: 'end-to-end', flags: { ...envFlag }, implied: ['--report-dir'] },
  { command: ['smoke'], fn: 'smoke', flags: { ...envFlag }, implied: ['--report-dir'] },
  { command: ['release', 'resolve'], fn: 'release-resolve', flags: { '--commit': '--commit', '--pr': '--pull-request', '--version': '--version', ...lockFlag }, implied: ['--branch'], switches: ['--offline'] },
  { command: ['release', 'archive'], fn: 'release', flags: { '--version': '--version', ...lockFlag } },
  { command: ['release', 'commit-archive'], fn: 'release-commit-archive', flags: { '--version': '--version' }, implied: ['--branch'] },
  { command: ['release', 'publish'], fn: 'release-publish', flags: { '--version': '--version', '--target': '--target', ...lockFlag }, implied: ['--branch'] },
  { command: ['rollback'], fn: 'rollback', flags: { ...envFlag, '--to': '--to', '--to-lock': '--to-lock' }, extra: ['--smoke=false'] },
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
  const row = functions.find((candidate) => candidate.command.every((word, index) => rest[index] === word));
  const shown = (value: string) => displayPath(value, context.paths);
  const fallback = () => rerunLine(args.map(shown));
  if (!row) return fallback();
  const words = ['call', ...context.call, row.fn];
  const flags = rest.slice(row.command.length);
  for (let index = 0; index < flags.length; index += 1) {
    const flag = flags[index]!;
    const value = flags[index + 1];
    if (row.switches?.includes(flag)) continue;
    if (row.implied?.includes(flag)) {
      index += 1;
      continue;
    }
    const mapped = row.flags[flag];
    if (!mapped || value === undefined) return fallback();
    words.push(mapped, shown(value));
    index += 1;
  }
  return rerunLine([...words, ...(row.extra ?? [])], 'dagger');
}

function displayPath(value: string, paths: Record<string, string>): string {
  for (const [prefix, shown] of Object.entries(paths)) {
    if (value === prefix) return shown;
    if (value.startsWith(`${prefix}/`)) return `${shown}${value.slice(prefix.length)}`;
  }
  return value;
}
