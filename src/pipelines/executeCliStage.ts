import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StageResult } from '../cli/stageResult.js';
import { programFlags } from '../cli/table/index.js';
import { flagWords } from '../cli/table/spec.js';
import { lastLines, run } from '../exec/run.js';
import { diffLocks } from '../lock/diff.js';
import { readLock } from '../lock/read.js';
import type { PipelineStage, StageOutcome, StageOutputs } from '../run/runPipeline.js';
import { daggerCallContext, stageRerunLine } from './daggerRerun.js';
import type { CliStage } from './plans.js';

/** This package's own CLI: stages run as the same commands a person or a workflow would type. */
export const cliEntry = fileURLToPath(new URL('../../bin/lockstep.js', import.meta.url));

export interface CliStageOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Turns a planned CLI stage into a pipeline stage that spawns `lockstep --result-file F <args>` (no
 * shell) and takes its outcome from F: the stage's own status, error code, exit status, summary,
 * artifacts and test counts, never its printed text.
 */
export function cliPipelineStage(stage: CliStage, options: CliStageOptions): PipelineStage {
  return {
    name: stage.name,
    rerun: stageRerunLine(stage.args, daggerCallContext(options.env ?? process.env)),
    ...(stage.when ? { when: stage.when } : {}),
    ...(stage.failureOf ? { failureOf: stage.failureOf } : {}),
    ...(stage.skip ? { skip: stage.skip } : {}),
    async run(note, outputs) {
      const filled = fillStage(stage, outputs);
      const result = await runCliStage(filled.args, options, note);
      const outcome: StageOutcome = {
        summary: result.summary,
        tests: result.tests,
        artifacts: result.artifacts,
        rerun: stageRerunLine(filled.args, daggerCallContext(options.env ?? process.env)),
        ...(result.outputs ? { outputs: result.outputs } : {}),
        ...(result.endRun ? { endRun: result.endRun } : {}),
        ...(await collect(filled, options.cwd, result)),
      };
      if (result.status === 'passed') return outcome;
      return { ...outcome, failure: { code: result.code ?? 'INTERNAL', exitStatus: result.exitStatus, message: result.summary, details: result.details } };
    },
  };
}

const placeholder = /\{\{([A-Za-z][A-Za-z0-9]*)\}\}/g;

/**
 * The stage with every `{{name}}` in its arguments and collected files replaced by the output of an
 * earlier stage. A value is one argument (no shell ever sees it); a name no earlier stage gave is a
 * bug of the plan, not of the input.
 */
export function fillStage(stage: CliStage, outputs: StageOutputs): CliStage {
  const fill = (text: string) =>
    text.replace(placeholder, (_match, name: string) => {
      const value = outputs[name];
      if (value === undefined) throw new Error(`stage ${stage.name} needs {{${name}}}, which no earlier stage gave`);
      return value;
    });
  const diff = stage.collect?.diff;
  const lock = stage.collect?.lock;
  const collect = stage.collect && {
    ...(lock ? { lock: { file: fill(lock.file), label: fill(lock.label) } } : {}),
    ...(diff
      ? { diff: { label: fill(diff.label), ...(diff.before === undefined ? {} : { before: fill(diff.before) }), ...(diff.after === undefined ? {} : { after: fill(diff.after) }) } }
      : {}),
  };
  return { ...stage, args: stage.args.map(fill), ...(collect ? { collect } : {}) };
}

/** Runs one lockstep command and returns the result it wrote; a command that died before writing one is an internal failure. */
export async function runCliStage(args: string[], options: CliStageOptions, note: (message: string) => void): Promise<StageResult> {
  // A private folder: the result file's name is not predictable in the shared temporary folder.
  const dir = await mkdtemp(join(tmpdir(), 'lockstep-stage-'));
  try {
    const file = join(dir, 'result.json');
    const exit = await spawnCli([...flagWords({ flags: programFlags }, { resultFile: file }), ...args], options, note);
    const written = await readFile(file, 'utf8').then((text) => JSON.parse(text) as StageResult, () => undefined);
    return written ?? { schema: 'lockstep/stage-result/v1', status: 'failed', code: 'INTERNAL', exitStatus: exit.code, summary: exit.lastError ?? `exited with ${exit.code}`, details: [], artifacts: [], tests: [] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs the CLI through the one exec port; its stderr lines are progress, its stdout is for people (the result file says what it did). */
async function spawnCli(args: string[], options: CliStageOptions, note: (message: string) => void): Promise<{ code: number; lastError?: string }> {
  let pending = '';
  const ran = await run(process.execPath, [cliEntry, ...args], {
    cwd: options.cwd,
    env: { ...(options.env ?? process.env), LOCKSTEP_QUIET: '' },
    allowFailure: true,
    onOutput: (chunk, stream) => {
      if (stream !== 'stderr') return;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      // Progress for the person watching; the error itself arrives in the result file.
      for (const line of lines) if (line.trim() && !line.startsWith('lockstep: ')) note(line.trim());
    },
  });
  return { code: ran.exitCode, lastError: lastLines(ran.stderr, 1)[0] };
}

/** The locks and diffs a stage's plan asks to show, read from the files the stage wrote. */
async function collect(stage: CliStage, cwd: string, result: StageResult): Promise<Pick<StageOutcome, 'locks' | 'diffs'>> {
  const resolveFile = (file: string) => (file.startsWith('/') ? file : `${cwd}/${file}`);
  const wanted = stage.collect;
  const outcome: Pick<StageOutcome, 'locks' | 'diffs'> = { locks: [], diffs: [] };
  if (!wanted) return outcome;
  if (wanted.lock && existsSync(resolveFile(wanted.lock.file))) {
    outcome.locks = [{ label: wanted.lock.label, lock: await readLock(resolveFile(wanted.lock.file)) }];
  }
  // Without a planned path, the diff is of the file the stage wrote (the archived release, wherever the config keeps the archive).
  const after = wanted.diff ? (wanted.diff.after ?? result.artifacts[0]) : undefined;
  if (wanted.diff && after !== undefined && existsSync(resolveFile(after))) {
    // An empty `before` (no release yet) is a first release: every service is new.
    const before = wanted.diff.before && existsSync(resolveFile(wanted.diff.before)) ? await readLock(resolveFile(wanted.diff.before)) : null;
    outcome.diffs = [{ label: wanted.diff.label, diff: diffLocks(before, await readLock(resolveFile(after))) }];
  }
  return outcome;
}
