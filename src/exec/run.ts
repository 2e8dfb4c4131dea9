import { spawn } from 'node:child_process';
import { LockstepError, type ErrorCode } from '../errors.js';

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Buffer;
  timeoutMs?: number;
  /** Error code used when the program fails. */
  errorCode?: ErrorCode;
  /** Do not throw on a non-zero exit; the caller inspects `exitCode`. */
  allowFailure?: boolean;
  /** Called with each chunk of output as it arrives (progress for long commands). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void;
  signal?: AbortSignal;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program with an argument array, never through a shell, so no user-provided string is ever
 * interpreted. Output is collected and, on failure, the last lines of stderr make the error message.
 */
export function run(program: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: options.signal,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let timedOut = false;
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            child.kill('SIGKILL');
          }, options.timeoutMs);

    child.stdout.on('data', (chunk: Buffer) => {
      stdout.push(chunk);
      options.onOutput?.(chunk.toString('utf8'), 'stdout');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr.push(chunk);
      options.onOutput?.(chunk.toString('utf8'), 'stderr');
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const reason = error.code === 'ENOENT' ? `${program} is not installed or not on PATH` : error.message;
      reject(new LockstepError(options.errorCode ?? 'NOT_FOUND', reason, { cause: error }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result: RunResult = {
        exitCode: code ?? 128,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      };
      if (timedOut) {
        reject(new LockstepError(options.errorCode ?? 'NOT_FOUND', `${program} ${args[0] ?? ''} timed out after ${options.timeoutMs} ms`));
        return;
      }
      if (result.exitCode !== 0 && !options.allowFailure) {
        const tail = lastLines(result.stderr || result.stdout, 5);
        const how = signal ? `was killed by ${signal}` : `exited with ${result.exitCode}`;
        reject(
          new LockstepError(options.errorCode ?? 'NOT_FOUND', `${program} ${args.slice(0, 2).join(' ')} ${how}`, {
            details: tail,
          }),
        );
        return;
      }
      resolve(result);
    });
    if (options.input !== undefined) child.stdin.end(options.input);
    else child.stdin.end();
  });
}

export function lastLines(text: string, count: number): string[] {
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-count);
}
