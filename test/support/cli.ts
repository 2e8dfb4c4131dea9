// Runs the built CLI as a user would: a separate process (bin/lockstep.js loads dist/: build first).
import { fileURLToPath } from 'node:url';
import { collectProcess } from './collectProcess.js';

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

export async function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const preload = options.moduleLog ? ['--import', moduleLog] : [];
  const { status, stdout, stderr } = await collectProcess(process.execPath, [...preload, cli, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, LOCKSTEP_QUIET: '', ...options.env, ...(options.moduleLog ? { LOCKSTEP_TEST_MODULE_LOG: options.moduleLog } : {}) },
  });
  return { code: status ?? 128, stdout, stderr };
}
