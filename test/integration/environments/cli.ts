// Runs the built CLI (test/support/cli.ts) and reads what docker runs.
import { docker } from '../../../support/docker.js';

export { runCli as lockstep, type CliResult } from '../../support/cli.js';

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
