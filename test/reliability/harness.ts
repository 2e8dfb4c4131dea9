import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = join(repoRoot, 'bin', 'lockstep.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** CPU time (user + system) of the CLI process, when `measureCpu` was asked for. */
  cpuMs?: number;
}

const cpuPreload = join(repoRoot, 'test', 'reliability', 'cpuUsage.mjs');

/**
 * Runs the built CLI as a user would, with an argument array and a controlled environment.
 * `maxOldSpaceMb` caps the heap, so an input that makes lockstep balloon crashes the run instead of
 * passing unnoticed.
 */
export function runCli(
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; maxOldSpaceMb?: number; measureCpu?: boolean },
): Promise<CliResult> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const nodeArgs = [
      ...(options.maxOldSpaceMb ? [`--max-old-space-size=${options.maxOldSpaceMb}`] : []),
      ...(options.measureCpu ? ['--import', pathToFileURL(cpuPreload).href] : []),
    ];
    const child = spawn(process.execPath, [...nodeArgs, cliPath, ...args], {
      cwd: options.cwd,
      env: { ...process.env, LOCKSTEP_DEBUG: '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe', ...(options.measureCpu ? (['pipe'] as const) : [])],
    });
    let stdout = '';
    let stderr = '';
    let cpu = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    (child.stdio[3] as Readable | undefined)?.on('data', (chunk: Buffer) => (cpu += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, durationMs: performance.now() - started, ...(cpu.trim() ? { cpuMs: Number(cpu.trim()) } : {}) });
    });
  });
}

export interface RunningCli {
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stderr matches, rejects when the run ends first or time runs out. */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<void>;
  result: Promise<CliResult>;
}

/** Starts the built CLI and hands back the running process, for tests that kill it or watch it work. */
export function startCli(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): RunningCli {
  const started = performance.now();
  const child = spawn(process.execPath, [cliPath, ...args], {
    cwd: options.cwd,
    env: { ...process.env, LOCKSTEP_DEBUG: '', LOCKSTEP_QUIET: '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let ended = false;
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 180_000);
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      ended = true;
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 + (signal === 'SIGKILL' ? 9 : 15) : null), stdout, stderr, durationMs: performance.now() - started });
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    async waitForStderr(pattern, timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stderr)) {
        if (ended) throw new Error(`the run ended before stderr matched ${pattern}:\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`stderr did not match ${pattern} within ${timeoutMs} ms:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    result,
  };
}

export async function scratchDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `lockstep-${prefix}-`));
}

/** Every file below a directory with its size and mtime: compared before and after to prove nothing was written. */
export async function snapshotTree(dir: string): Promise<Map<string, string>> {
  const result = new Map<string, string>();
  async function walk(current: string): Promise<void> {
    for (const entry of await readdir(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) await walk(path);
      else {
        const info = await stat(path);
        result.set(relative(dir, path), `${info.size}:${info.mtimeMs}`);
      }
    }
  }
  await walk(dir);
  return result;
}
