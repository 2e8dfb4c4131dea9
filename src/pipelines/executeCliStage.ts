import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LockstepError } from '../errors.js';
import { lastLines } from '../exec/run.js';
import { diffLocks } from '../lock/diff.js';
import { readLock } from '../lock/read.js';
import { readJunitDir } from '../report/readJunit.js';
import type { PipelineStage, StageOutcome } from '../run/runPipeline.js';
import { rerunLine, type CliStage } from './plans.js';

/** This package's own CLI: stages run as the same commands a person or a workflow would type. */
export const cliEntry = fileURLToPath(new URL('../../bin/lockstep.js', import.meta.url));

export interface CliStageOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/** Turns a planned CLI stage into a pipeline stage that spawns `lockstep <args>` (no shell). */
export function cliPipelineStage(stage: CliStage, options: CliStageOptions): PipelineStage {
  return {
    name: stage.name,
    rerun: rerunLine(stage.args),
    ...(stage.when ? { when: stage.when } : {}),
    ...(stage.failureOf ? { failureOf: stage.failureOf } : {}),
    ...(stage.skip ? { skip: stage.skip } : {}),
    async run(note) {
      const result = await spawnCli(stage.args, options, note);
      const outcome = await collect(stage, options.cwd);
      if (result.code !== 0) {
        const message = result.errorLines.find((line) => line.startsWith('lockstep: '))?.slice('lockstep: '.length) ?? `exited with ${result.code}`;
        const error = new LockstepError('DEPLOY_FAILED', message, { details: result.errorLines.filter((line) => !line.startsWith('lockstep: ')).slice(-3) });
        Object.assign(error, { outcome });
        throw error;
      }
      return { ...outcome, summary: result.summary };
    },
  };
}

interface SpawnResult {
  code: number;
  summary: string;
  errorLines: string[];
}

function spawnCli(args: string[], options: CliStageOptions, note: (message: string) => void): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      cwd: options.cwd,
      env: { ...(options.env ?? process.env), LOCKSTEP_QUIET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      stderr += text;
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() && !line.startsWith('lockstep: ')) note(line.trim());
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const output = lastLines(stdout, 40);
      resolve({
        code: code ?? (signal ? 128 : 1),
        summary: summarise(output),
        errorLines: lastLines(stderr, 8),
      });
    });
  });
}

/** The stage's last meaningful stdout line, which lockstep commands end with (a ✔ line or a table total). */
function summarise(lines: string[]): string {
  const marked = [...lines].reverse().find((line) => /^[✔✖–]/.test(line.trim()));
  return (marked ?? lines.at(-1) ?? 'done').trim().slice(0, 200);
}

async function collect(stage: CliStage, cwd: string): Promise<Omit<StageOutcome, 'summary'>> {
  const resolveFile = (file: string) => (file.startsWith('/') ? file : `${cwd}/${file}`);
  const outcome: Omit<StageOutcome, 'summary'> = { tests: [], locks: [], diffs: [], artifacts: [] };
  const wanted = stage.collect;
  if (!wanted) return outcome;
  if (wanted.junitDir) outcome.tests = await readJunitDir(resolveFile(wanted.junitDir.dir), wanted.junitDir.against);
  if (wanted.lock && existsSync(resolveFile(wanted.lock.file))) {
    outcome.locks = [{ label: wanted.lock.label, lock: await readLock(resolveFile(wanted.lock.file)) }];
  }
  if (wanted.diff && existsSync(resolveFile(wanted.diff.after))) {
    const before = wanted.diff.before && existsSync(resolveFile(wanted.diff.before)) ? await readLock(resolveFile(wanted.diff.before)) : null;
    outcome.diffs = [{ label: wanted.diff.label, diff: diffLocks(before, await readLock(resolveFile(wanted.diff.after))) }];
  }
  outcome.artifacts = (wanted.artifacts ?? []).filter((file) => existsSync(resolveFile(file)));
  return outcome;
}
