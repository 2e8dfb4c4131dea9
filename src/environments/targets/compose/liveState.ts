import type { ReleaseLock } from '../../../lock/schema.js';
import type { LiveService, LiveState } from '../../target.js';
import type { Container } from '../../../docker/containers.js';

export function digestOf(reference: string): string | null {
  const match = /@(sha256:[0-9a-f]{64})$/.exec(reference);
  return match?.[1] ?? null;
}

/**
 * What runs in a compose project, per service, with the lock the project records. Which digest a
 * service runs is read from the reference its container was created from: `repo@sha256:...` is
 * content-addressed, anything else (a tag, an image id) is not pinned.
 */
export function liveStateFromContainers(containers: readonly Container[], recorded: ReleaseLock | null): LiveState {
  const byService = new Map<string, Container[]>();
  for (const container of containers) {
    if (container.service === null || container.oneOff) continue;
    byService.set(container.service, [...(byService.get(container.service) ?? []), container]);
  }
  const services: Record<string, LiveService> = {};
  for (const [service, replicas] of [...byService].sort(([a], [b]) => a.localeCompare(b))) services[service] = liveService(replicas);
  return { lockIntegrity: recorded?.integrity ?? null, lock: recorded, services };
}

function liveService(replicas: Container[]): LiveService {
  const images = new Set(replicas.map((replica) => replica.image));
  const imageIds = new Set(replicas.map((replica) => replica.imageId));
  // Replicas that disagree are drift by definition: no single digest describes the service.
  const image = [...images].sort().join(', ');
  const healthy = replicas.every((replica) => replica.running && !replica.restarting && (replica.health === null || replica.health === 'healthy'));
  const states = [...new Set(replicas.map(stateWord))].sort();
  return {
    image,
    digest: images.size === 1 && imageIds.size === 1 ? digestOf(image) : null,
    imageId: imageIds.size === 1 ? [...imageIds].join('') : null,
    healthy,
    state: states.join(', '),
  };
}

function stateWord(container: Container): string {
  if (container.restarting) return 'restarting';
  if (!container.running) return `${container.status} (exit ${container.exitCode})`;
  return container.health && container.health !== 'healthy' ? container.health : 'running';
}
