import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ExitCode, isLockstepError, type ErrorCode } from '../errors.js';
import type { TestSuiteResult } from '../report/runReport.js';
import { programFlags } from './table/index.js';
import { longFlag } from './table/spec.js';

/**
 * What one command did, for machines: `lockstep --result-file <file> <command>` writes it whether the
 * command passed or failed, so a pipeline (`lockstep run`, the Dagger module) reads a stage's status,
 * its own error code and exit status, its summary, what it wrote and its test counts from here and
 * never from the text the command printed.
 */
export interface StageResult {
  schema: 'lockstep/stage-result/v1';
  status: 'passed' | 'failed';
  /** The error's code; INTERNAL for a bug, null when the command passed. */
  code: ErrorCode | 'INTERNAL' | null;
  exitStatus: number;
  /** One line on what the command did, or the error message. */
  summary: string;
  /** Further lines of a failure (one per violation, per failed test...). */
  details: string[];
  /** Files the command wrote, as given on its command line. */
  artifacts: string[];
  tests: TestSuiteResult[];
  /** Values a later stage of a pipeline takes as arguments (`{{name}}` in its plan). */
  outputs?: Record<string, string>;
  /** Set when the command found nothing to do for the rest of its pipeline: why, in one sentence. */
  endRun?: string;
}

/** What the running command has told about itself so far; one command runs per process. */
const recorded: { summary?: string; artifacts: string[]; tests: TestSuiteResult[]; outputs: Record<string, string>; endRun?: string } = { artifacts: [], tests: [], outputs: {} };

/** The command's one-line summary: the ✔/✖ line it ends with, else its last line. */
export function recordSummary(rendered: string): void {
  const lines = rendered.split('\n').map((line) => line.trim()).filter((line) => line.length > 0);
  const marked = [...lines].reverse().find((line) => /^[✔✖–]/.test(line));
  const line = marked ?? lines.at(-1);
  if (line !== undefined) recorded.summary = line.slice(0, 200);
}

export function recordArtifacts(...files: string[]): void {
  recorded.artifacts.push(...files);
}

/** Values for the later stages of a pipeline: the resolved version, the lock that ran before a deploy. */
export function recordOutputs(values: Record<string, string>): void {
  Object.assign(recorded.outputs, values);
}

/** The pipeline this command runs in has nothing more to do: it ends as a success, saying why. */
export function recordEndRun(reason: string): void {
  recorded.endRun = reason;
}

/** Test counts: the suites of the JUnit XML the command wrote, read back by the one JUnit reader (report/readJunit.ts). */
export function recordTests(suites: readonly TestSuiteResult[]): void {
  recorded.tests.push(...suites);
}

/** `--result-file <file>` or `--result-file=<file>` anywhere before `--`; read before commander parses, so bad input is recorded too. */
export function resultFileArgument(argv: readonly string[]): string | undefined {
  const flag = longFlag(programFlags.resultFile);
  for (const [index, argument] of argv.entries()) {
    if (argument === '--') return undefined;
    if (argument === flag) return argv[index + 1];
    if (argument.startsWith(`${flag}=`)) return argument.slice(flag.length + 1);
  }
  return undefined;
}

export function stageResult(exitStatus: number, error?: unknown): StageResult {
  const failed = exitStatus !== ExitCode.ok;
  const code = !failed ? null : isLockstepError(error) ? error.code : exitStatus === ExitCode.badInput ? 'BAD_INPUT' : error === undefined ? null : 'INTERNAL';
  const message = error instanceof Error ? (error.message.split('\n')[0] ?? '').replace(/^error: /, '') : undefined;
  return {
    schema: 'lockstep/stage-result/v1',
    status: failed ? 'failed' : 'passed',
    code,
    exitStatus,
    summary: (failed ? message : undefined) ?? recorded.summary ?? (failed ? `exited with ${exitStatus}` : 'done'),
    details: isLockstepError(error) ? error.details : [],
    artifacts: [...recorded.artifacts],
    tests: [...recorded.tests],
    ...(failed ? {} : { outputs: { ...recorded.outputs }, ...(recorded.endRun ? { endRun: recorded.endRun } : {}) }),
  };
}

export async function writeStageResult(file: string, result: StageResult): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
}
