// Runs the built CLI as a user would: a separate process (bin/lockstep.js loads dist/: build first).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const cli = fileURLToPath(new URL('../../bin/lockstep.js', import.meta.url));
const moduleLog = fileURLToPath(new URL('./moduleLog.mjs', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Record the URL of every module the CLI loads in this file, one a line (test/support/moduleLog.mjs). */
  moduleLog?: string;
}

export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const preload = options.moduleLog ? ['--import', moduleLog] : [];
    const child = spawn(process.execPath, [...preload, cli, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, LOCKSTEP_QUIET: '', ...options.env, ...(options.moduleLog ? { LOCKSTEP_TEST_MODULE_LOG: options.moduleLog } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}
