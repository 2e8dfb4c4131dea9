import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StageResult } from '../cli/stageResult.js';
import { programFlags } from '../cli/table/index.js';
import { flagWords } from '../cli/table/spec.js';
import { lastLines } from '../exec/run.js';
import { diffLocks } from '../lock/diff.js';
import { readLock } from '../lock/read.js';
import type { PipelineStage, StageOutcome } from '../run/runPipeline.js';
import { rerunLine, type CliStage } from './plans.js';

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
    rerun: rerunLine(stage.args),
    ...(stage.when ? { when: stage.when } : {}),
    ...(stage.failureOf ? { failureOf: stage.failureOf } : {}),
    ...(stage.skip ? { skip: stage.skip } : {}),
    async run(note) {
      const result = await runCliStage(stage.args, options, note);
      const outcome: StageOutcome = { summary: result.summary, tests: result.tests, artifacts: result.artifacts, ...(await collect(stage, options.cwd, result)) };
      if (result.status === 'passed') return outcome;
      return { ...outcome, failure: { code: result.code ?? 'INTERNAL', exitStatus: result.exitStatus, message: result.summary, details: result.details } };
    },
  };
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

function spawnCli(args: string[], options: CliStageOptions, note: (message: string) => void): Promise<{ code: number; lastError?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), LOCKSTEP_QUIET: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    let pending = '';
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      // Progress for the person watching; the error itself arrives in the result file.
      for (const line of lines) if (line.trim() && !line.startsWith('lockstep: ')) note(line.trim());
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), lastError: lastLines(stderr, 1)[0] }));
  });
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
    const before = wanted.diff.before && existsSync(resolveFile(wanted.diff.before)) ? await readLock(resolveFile(wanted.diff.before)) : null;
    outcome.diffs = [{ label: wanted.diff.label, diff: diffLocks(before, await readLock(resolveFile(after))) }];
  }
  return outcome;
}
