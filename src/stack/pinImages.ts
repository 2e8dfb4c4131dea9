import { InputError } from '../errors.js';
import type { ComposeGraph } from '../compose/graph.js';
import { lockId } from '../lock/integrity.js';
import type { ReleaseLock } from '../lock/schema.js';

export interface PinnedImage {
  service: string;
  /** `repository@sha256:...`: what the container runs. */
  reference: string;
  image: string;
  digest: string;
  commit: string;
  tag: string;
}

/**
 * Pairs every locked service with its compose service. A stack runs the lock and nothing else, so a
 * locked service compose does not know, and a compose service built from source that the lock does
 * not pin, are both input errors (a stack silently missing one, or building one, would test
 * something other than the release).
 */
export function pinImages(graph: ComposeGraph, lock: ReleaseLock, files: { composeFile: string; lockFile: string }): Record<string, PinnedImage> {
  const composeNames = Object.keys(graph.services);
  const lockNames = Object.keys(lock.services).sort();
  const unknown = lockNames.filter((name) => !Object.hasOwn(graph.services, name));
  if (unknown.length > 0) {
    throw new InputError(
      files.lockFile,
      `services.${unknown[0]}`,
      `is not a service of ${files.composeFile} (it has ${composeNames.join(', ')})${unknown.length > 1 ? `; nor are ${unknown.slice(1).join(', ')}` : ''}`,
    );
  }
  const unpinned = Object.values(graph.services)
    .filter((service) => service.build !== null && !Object.hasOwn(lock.services, service.name))
    .map((service) => service.name);
  if (unpinned.length > 0) {
    throw new InputError(
      files.lockFile,
      'services',
      `has no entry for ${unpinned.join(', ')}, which ${files.composeFile} builds from source; a stack runs locked images only (lock ${lockId(lock)})`,
    );
  }
  const pinned: Record<string, PinnedImage> = {};
  for (const [name, locked] of Object.entries(lock.services).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    pinned[name] = {
      service: name,
      reference: `${locked.image}@${locked.digest}`,
      image: locked.image,
      digest: locked.digest,
      commit: locked.commit,
      tag: locked.tag,
    };
  }
  return pinned;
}
