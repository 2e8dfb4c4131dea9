import { canonicalJson } from '../../../lock/canonical.js';
import { integrityMatches, lockId } from '../../../lock/integrity.js';
import { releaseLock, type ReleaseLock } from '../../../lock/schema.js';
import type { LiveService, LiveState } from '../../target.js';
import type { ContainerInfo } from './containers.js';

/** Labels lockstep puts on every service it deploys: status and rollback read the environment alone. */
export const lockLabels = {
  integrity: 'io.lockstep.lock.integrity',
  id: 'io.lockstep.lock.id',
  lock: 'io.lockstep.lock',
} as const;

export function labelsForLock(lock: ReleaseLock): Record<string, string> {
  // Canonical JSON, so that re-applying the same lock yields byte-identical labels and compose
  // sees an unchanged service instead of recreating it.
  return { [lockLabels.integrity]: lock.integrity, [lockLabels.id]: lockId(lock), [lockLabels.lock]: canonicalJson(lock) };
}

export function digestOf(reference: string): string | null {
  const match = /@(sha256:[0-9a-f]{64})$/.exec(reference);
  return match ? match[1]! : null;
}

/**
 * What runs in a compose project, per service, plus the lock the services are labelled with. When
 * services carry different locks (one was redeployed alone), the lock most of them carry is the
 * environment's, and the others show as drift.
 */
export function liveStateFromContainers(containers: readonly ContainerInfo[]): LiveState {
  const byService = new Map<string, ContainerInfo[]>();
  for (const container of containers) {
    if (container.service === null || container.oneOff) continue;
    byService.set(container.service, [...(byService.get(container.service) ?? []), container]);
  }
  const services: Record<string, LiveService> = {};
  const votes = new Map<string, number>();
  for (const [service, replicas] of [...byService].sort(([a], [b]) => a.localeCompare(b))) {
    services[service] = liveService(replicas);
    const integrity = services[service].lockIntegrity;
    if (integrity) votes.set(integrity, (votes.get(integrity) ?? 0) + 1);
  }
  const winner = [...votes].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
  const lock = winner === null ? null : recordedLock(containers, winner);
  return { lockIntegrity: lock ? winner : null, lock, services };
}

function liveService(replicas: ContainerInfo[]): LiveService {
  const images = new Set(replicas.map((replica) => replica.configImage));
  const imageIds = new Set(replicas.map((replica) => replica.imageId));
  const integrities = new Set(replicas.map((replica) => replica.labels[lockLabels.integrity] ?? null));
  // Replicas that disagree are drift by definition: no single digest describes the service.
  const image = images.size === 1 ? [...images][0]! : [...images].sort().join(', ');
  const healthy = replicas.every((replica) => replica.running && !replica.restarting && (replica.health === null || replica.health === 'healthy'));
  const states = [...new Set(replicas.map(stateWord))].sort();
  return {
    image,
    digest: images.size === 1 && imageIds.size === 1 ? digestOf(image) : null,
    imageId: imageIds.size === 1 ? [...imageIds][0]! : null,
    lockIntegrity: integrities.size === 1 ? [...integrities][0]! : null,
    healthy,
    state: states.join(', '),
  };
}

function stateWord(container: ContainerInfo): string {
  if (container.restarting) return 'restarting';
  if (!container.running) return `${container.status} (exit ${container.exitCode})`;
  return container.health && container.health !== 'healthy' ? container.health : 'running';
}

function recordedLock(containers: readonly ContainerInfo[], integrity: string): ReleaseLock | null {
  for (const container of containers) {
    if (container.labels[lockLabels.integrity] !== integrity) continue;
    const text = container.labels[lockLabels.lock];
    if (!text) continue;
    try {
      const parsed = releaseLock.safeParse(JSON.parse(text));
      // A label edited by hand is not a record of anything: only a lock whose integrity holds counts.
      if (parsed.success && parsed.data.integrity === integrity && integrityMatches(parsed.data)) return parsed.data;
    } catch {
      continue;
    }
  }
  return null;
}
