import { lastLines, run, type RunOptions } from '../exec/run.js';
import type { ContainerState } from '../stack/health.js';
import { EngineApiError, engineEndpoint, engineGet, type EngineEndpoint } from './engineApi.js';

/**
 * The containers carrying a label, inspected: through the engine API when it can be reached directly
 * (no process per read), else through the docker CLI. Pass `endpoint: null` to force the CLI.
 */
export async function inspectProjectContainers(
  label: string,
  value: string,
  options: RunOptions = {},
  endpoint: EngineEndpoint | null = apiUsable ? engineEndpoint() : null,
): Promise<ContainerState[]> {
  if (endpoint) {
    try {
      const filters = encodeURIComponent(JSON.stringify({ label: [`${label}=${value}`] }));
      const listed = await engineGet<Array<{ Id: string }>>(endpoint, `/containers/json?all=1&filters=${filters}`, { signal: options.signal });
      // A container removed between the two reads answers 404 and is left out, as with the CLI.
      const inspected = await Promise.all(
        listed.map((container) =>
          engineGet<InspectedContainer>(endpoint, `/containers/${container.Id}/json`, { signal: options.signal }).catch((error: unknown) => {
            if (error instanceof EngineApiError && error.status === 404) return null;
            throw error;
          }),
        ),
      );
      return containerStates(inspected.filter((entry) => entry !== null));
    } catch (error) {
      if (options.signal?.aborted) throw error;
      // Unreachable or refused (permissions, an unexpected proxy): the CLI knows better; stay with it.
      apiUsable = false;
    }
  }
  const ids = await listContainerIds(label, value, options);
  if (ids.length === 0) return [];
  // A container removed between the two calls makes inspect fail for it alone; the rest still count.
  const result = await run('docker', ['container', 'inspect', ...ids], { errorCode: 'DOCKER', ...options, allowFailure: true });
  return parseContainerInspect(result.stdout);
}

let apiUsable = true;

export async function listContainerIds(label: string, value: string, options: RunOptions = {}): Promise<string[]> {
  const result = await run('docker', ['container', 'ls', '--all', '--quiet', '--no-trunc', '--filter', `label=${label}=${value}`], {
    errorCode: 'DOCKER',
    ...options,
  });
  return result.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
}

export interface InspectedContainer {
  Id: string;
  Name: string;
  RestartCount?: number;
  State: { Status: string; ExitCode: number; Health?: { Status: string; Log?: Array<{ Output?: string }> } };
  Config: { Image: string; Labels?: Record<string, string> | null };
  NetworkSettings?: { Ports?: Record<string, Array<{ HostIp: string; HostPort: string }> | null> | null };
}

/** `docker container inspect` JSON to states; pure, so the health logic is tested without a daemon. */
export function parseContainerInspect(json: string): ContainerState[] {
  const text = json.trim();
  return text === '' ? [] : containerStates(JSON.parse(text) as InspectedContainer[]);
}

/** Inspected containers (CLI JSON or engine API documents, the same shape) to states. */
export function containerStates(containers: InspectedContainer[]): ContainerState[] {
  return containers.map((container) => {
    const health = container.State.Health?.Status;
    const lastProbe = container.State.Health?.Log?.at(-1)?.Output;
    const published: Record<string, string[]> = {};
    for (const [port, bindings] of Object.entries(container.NetworkSettings?.Ports ?? {})) {
      if (bindings && bindings.length > 0) published[port] = bindings.map((binding) => `${binding.HostIp}:${binding.HostPort}`);
    }
    return {
      id: container.Id,
      name: container.Name.replace(/^\//, ''),
      service: container.Config.Labels?.['com.docker.compose.service'] ?? '',
      status: container.State.Status,
      exitCode: container.State.ExitCode,
      health: health === 'starting' || health === 'healthy' || health === 'unhealthy' ? health : null,
      lastHealthOutput: lastProbe ? (lastLines(lastProbe, 1)[0] ?? null) : null,
      restartCount: container.RestartCount ?? 0,
      image: container.Config.Image,
      published,
    };
  });
}

/** The last lines a container wrote, stdout and stderr merged in the order they were written. */
export async function containerLogTail(id: string, lines: number, options: RunOptions = {}): Promise<string[]> {
  const result = await run('docker', ['container', 'logs', '--timestamps', '--tail', String(lines), id], {
    errorCode: 'DOCKER',
    ...options,
    allowFailure: true,
  });
  return mergeTimestampedLogs(result.stdout, result.stderr, lines);
}

/** Merges `docker logs --timestamps` streams (RFC 3339 nano prefixes sort as text) and drops the stamps. */
export function mergeTimestampedLogs(stdout: string, stderr: string, lines: number): string[] {
  const stamped = [...stdout.split('\n'), ...stderr.split('\n')]
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .map((line) => {
      const match = /^(\d{4}-\d\d-\d\dT[0-9:.]+Z) ?(.*)$/.exec(line);
      return match ? { at: match[1]!, text: match[2]! } : { at: '', text: line };
    });
  stamped.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return stamped.map((entry) => entry.text).filter((text) => text.length > 0).slice(-lines);
}
