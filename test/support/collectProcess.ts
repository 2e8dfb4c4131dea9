import { spawn, type SpawnOptions } from 'node:child_process';

export interface CollectedProcess {
  /** The exit code; null when a signal ended the program. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a program (an argument array, no shell) and collects what it printed, without blocking this
 * process: the doubles the program talks to (GitHub, the Dagger engine) live in it.
 */
export function collectProcess(command: string, args: string[], options: Omit<SpawnOptions, 'stdio'> = {}): Promise<CollectedProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}
