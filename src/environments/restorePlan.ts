import type { ReleaseLock } from '../lock/schema.js';
import type { LiveState } from './target.js';

/** What to put back after a failed rollout, derived only from what was read before it started. */
export interface RestorePlan {
  /** service -> the exact image reference to run again (by digest when it was pinned, else by image id). */
  images: Record<string, string>;
  /** Services that did not run before the rollout: they are stopped and removed again. */
  remove: string[];
  /** The lock to record again, or null when none was recorded before the rollout. */
  lock: ReleaseLock | null;
}

/**
 * Plans the restore of `services` (the ones the rollout touched) to their state in `previous`. A
 * service is restored from what actually ran (its pinned digest or its image id), not from the
 * recorded lock, so a drifted environment comes back exactly as it was, drift included.
 */
export function planRestore(previous: LiveState, services: readonly string[]): RestorePlan {
  const images: Record<string, string> = {};
  const remove: string[] = [];
  for (const service of [...services].sort()) {
    const before = previous.services[service];
    const reference = before ? restorableReference(before) : null;
    if (!before || reference === null || before.state === 'missing') {
      remove.push(service);
      continue;
    }
    images[service] = reference;
  }
  return { images, remove, lock: previous.lock };
}

function restorableReference(service: LiveState['services'][string]): string | null {
  if (service.image && service.digest && service.image.endsWith(`@${service.digest}`)) return service.image;
  if (service.imageId) return service.imageId;
  return service.image;
}

