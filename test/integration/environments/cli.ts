// Runs the built CLI (bin/lockstep.js loads dist/: `npm run build` first) and reads what docker runs.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { docker } from '../../support/docker.js';

const cli = fileURLToPath(new URL('../../../bin/lockstep.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function lockstep(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: options.cwd,
      env: { ...process.env, LOCKSTEP_QUIET: '', ...options.env },
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

export interface RunningService {
  id: string;
  /** The reference the container was created from. */
  image: string;
  running: boolean;
}

/** What docker itself says runs in a compose project, per service (one-off containers excluded). */
export async function runningServices(project: string): Promise<Record<string, RunningService>> {
  const ids = (await docker(['ps', '--all', '--quiet', '--no-trunc', '--filter', `label=com.docker.compose.project=${project}`])).split('\n').filter(Boolean);
  if (ids.length === 0) return {};
  const lines = (await docker(['inspect', '--format', '{{index .Config.Labels "com.docker.compose.service"}} {{.Id}} {{.Config.Image}} {{.State.Running}}', ...ids])).split('\n');
  const services: Record<string, RunningService> = {};
  for (const line of lines) {
    const [service, id, image, running] = line.split(' ');
    services[service!] = { id: id!, image: image!, running: running === 'true' };
  }
  return services;
}

/** The `image@digest` per service that a lock pins. */
export function pinned(lock: { services: Record<string, { image: string; digest: string }> }): Record<string, string> {
  return Object.fromEntries(Object.entries(lock.services).map(([name, service]) => [name, `${service.image}@${service.digest}`]));
}

export function imagesOf(services: Record<string, RunningService>): Record<string, string> {
  return Object.fromEntries(Object.entries(services).map(([name, service]) => [name, service.image]));
}
