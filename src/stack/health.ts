import type { ComposeGraph } from '../compose/graph.js';

/** What `docker inspect` says about one container of the stack, reduced to what readiness needs. */
export interface ContainerState {
  id: string;
  name: string;
  service: string;
  status: string;
  exitCode: number;
  /** null when the container has no healthcheck. */
  health: 'starting' | 'healthy' | 'unhealthy' | null;
  /** Output of the most recent health probe, for messages. */
  lastHealthOutput: string | null;
  restartCount: number;
  image: string;
  /** `container port/proto` -> `host:port` bindings. */
  published: Record<string, string[]>;
}

export type Readiness = 'ready' | 'waiting' | 'failed';

export interface ServiceReadiness {
  service: string;
  readiness: Readiness;
  /** One line for people: "healthy", "health: starting", "exited with code 1". */
  detail: string;
  container: ContainerState | null;
}

export interface StackAssessment {
  ready: boolean;
  services: ServiceReadiness[];
}

/**
 * Decides, from the containers alone, whether every service of the graph is ready: running and
 * healthy (or running, when it has no healthcheck), or exited 0 when another service waits for it to
 * complete. A service fails as soon as its container exits, restarts or is reported unhealthy, so a
 * broken release fails fast instead of waiting for the deadline. While compose is still creating
 * containers, a missing one is only waiting.
 */
export function assessStack(graph: ComposeGraph, containers: ContainerState[], options: { composeFinished: boolean }): StackAssessment {
  const oneShot = new Set(
    Object.values(graph.services).flatMap((service) =>
      Object.entries(service.dependsOn)
        .filter(([, dependency]) => dependency.condition === 'service_completed_successfully')
        .map(([name]) => name),
    ),
  );
  const services = graph.startOrder.map((service): ServiceReadiness => {
    const own = containers.filter((container) => container.service === service);
    if (own.length === 0) {
      return options.composeFinished
        ? { service, readiness: 'failed', detail: 'no container was created', container: null }
        : { service, readiness: 'waiting', detail: 'not created yet', container: null };
    }
    const judged = own.map((container) => judge(container, oneShot.has(service)));
    return judged.find((entry) => entry.readiness === 'failed') ?? judged.find((entry) => entry.readiness === 'waiting') ?? judged[0]!;
  });
  return { ready: services.every((entry) => entry.readiness === 'ready'), services };
}

function judge(container: ContainerState, oneShot: boolean): ServiceReadiness {
  const base = { service: container.service, container };
  if (container.status === 'exited' || container.status === 'dead') {
    if (oneShot && container.exitCode === 0) return { ...base, readiness: 'ready', detail: 'completed successfully' };
    return { ...base, readiness: 'failed', detail: `exited with code ${container.exitCode}` };
  }
  if (container.status === 'restarting' || container.restartCount > 0) {
    return { ...base, readiness: 'failed', detail: `keeps restarting (${container.restartCount} restarts, last exit code ${container.exitCode})` };
  }
  if (container.status !== 'running') return { ...base, readiness: 'waiting', detail: container.status };
  if (container.health === 'unhealthy') {
    const output = container.lastHealthOutput ? `: ${container.lastHealthOutput}` : '';
    return { ...base, readiness: 'failed', detail: `unhealthy${output}` };
  }
  if (container.health === 'starting') return { ...base, readiness: 'waiting', detail: 'health: starting' };
  return { ...base, readiness: 'ready', detail: container.health === 'healthy' ? 'healthy' : 'running (no healthcheck)' };
}
