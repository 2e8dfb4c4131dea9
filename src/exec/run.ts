import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { basename } from 'node:path';
import { LockstepError, type ErrorCode } from '../errors.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  /** Defaults to the program's entry in `defaultTimeoutMs` (git), else none. */
  timeoutMs?: number;
  /** Error code used when the program fails. */
  errorCode?: ErrorCode;
  /** Do not throw on a non-zero exit; the caller inspects `exitCode`. */
  allowFailure?: boolean;
  /** Called with each chunk of output as it arrives (progress for long commands). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
  /** Most bytes of stdout kept; more stops the program (see `defaultMaxOutputBytes`). */
  maxOutputBytes?: number;
  /** Between SIGTERM and SIGKILL when the program is stopped; `killGraceMs` by default. */
  killGraceMs?: number;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** stdout is parsed, so it is never cut: a program printing more than this is stopped and the run fails. */
export const defaultMaxOutputBytes = 64 * 1024 * 1024;
/** stderr only makes messages: its last this-many bytes are kept, whatever the program prints. */
export const stderrTailBytes = 256 * 1024;
/** A program asked to stop (timeout, cancel, too much output) gets SIGTERM, then SIGKILL after this. */
export const killGraceMs = 5_000;
/**
 * Programs that must never wait forever even when a caller forgot to say so: a local git call can hang
 * on a lock file, a credential prompt or a remote helper.
 */
export const defaultTimeoutMs: Readonly<Record<string, number>> = { git: 120_000 };

/** Stops a child politely first, so it can clean up (compose, git lock files), then for sure. */
export function terminate(
  child: { kill(signal: NodeJS.Signals): boolean; exitCode: number | null; signalCode: NodeJS.Signals | null },
  graceMs = killGraceMs,
): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const hard = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, graceMs);
  hard.unref();
}

/**
 * Runs a program with an argument array, never through a shell, so no user-provided string is ever
 * interpreted. Output is collected within bounds and, on failure, the last lines of stderr make the
 * error message.
 */
export function run(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs[basename(program)];
  const maxOutputBytes = options.maxOutputBytes ?? defaultMaxOutputBytes;
  const errorCode = options.errorCode ?? 'NOT_FOUND';
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr: Buffer = Buffer.alloc(0);
    let stopped: 'timeout' | 'output' | 'aborted' | undefined;
    const stop = (why: NonNullable<typeof stopped>) => {
      stopped ??= why;
      terminate(child, options.killGraceMs);
    };
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), timeoutMs);
    const onAbort = () => stop('aborted');
    if (options.signal?.aborted) onAbort();
    else options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => {
      if (stopped) return;
      stdoutBytes += chunk.length;
      if (stdoutBytes > maxOutputBytes) {
        stop('output');
        return;
      }
      stdout.push(chunk);
      options.onOutput?.(chunk.toString('utf8'), 'stdout');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const joined = Buffer.concat([stderr, chunk]);
      stderr = joined.length > stderrTailBytes ? joined.subarray(joined.length - stderrTailBytes) : joined;
      options.onOutput?.(chunk.toString('utf8'), 'stderr');
    });
    // A child that exits before reading its input makes the pipe fail; its exit status tells the story.
    child.stdin.on('error', () => {});
    const settle = () => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.on('error', (error: NodeJS.ErrnoException) => {
      settle();
      const reason = error.code === 'ENOENT' ? `${program} is not installed or not on PATH` : error.message;
      reject(new LockstepError(errorCode, reason, { cause: error }));
    });
    child.on('close', (code, signal) => {
      settle();
      const result: RunResult = {
        exitCode: code ?? 128,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: stderr.toString('utf8'),
      };
      const what = `${program} ${args[0] ?? ''}`.trimEnd();
      if (stopped === 'timeout') return reject(new LockstepError(errorCode, `${what} timed out after ${timeoutMs} ms`));
      if (stopped === 'output') return reject(new LockstepError(errorCode, `${what} printed more than ${maxOutputBytes} bytes and was stopped`));
      if (stopped === 'aborted') return reject(new LockstepError(errorCode, `${what} was cancelled`, { cause: options.signal?.reason }));
      if (result.exitCode !== 0 && !options.allowFailure) {
        const tail = lastLines(result.stderr || result.stdout, 5);
        const how = signal ? `was killed by ${signal}` : `exited with ${result.exitCode}`;
        reject(new LockstepError(errorCode, `${program} ${args.slice(0, 2).join(' ')} ${how}`, { details: tail }));
        return;
      }
      resolve(result);
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

/**
 * Starts a program that lives as long as a connection and is used as a byte stream (`docker system
 * dial-stdio`): an argument array, never a shell, its stderr dropped. The caller owns the process.
 */
export function startStream(program: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): ChildProcessByStdio<Writable, Readable, null> {
  return spawn(program, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'ignore'] });
}

export function lastLines(text: string, count: number): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-count);
}
