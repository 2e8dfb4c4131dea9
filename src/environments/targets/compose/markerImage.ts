import { LockstepError } from '../../../errors.js';
import type { DockerApi } from '../../../docker/api.js';

/**
 * The image of lockstep's marker containers (lease, recorded lock): an empty filesystem imported on
 * the host itself, so nothing is pulled from any registry, and a container of it cannot run anything.
 */
export const markerImage = 'lockstep-marker:1';

const ensured = new WeakMap<DockerApi, Promise<void>>();

/** Once per daemon and process: the lease and the record both need it, several times per deploy. */
export function ensureMarkerImage(api: DockerApi): Promise<void> {
  let pending = ensured.get(api);
  if (!pending) {
    pending = importIfMissing(api);
    ensured.set(api, pending);
    pending.catch(() => ensured.delete(api));
  }
  return pending;
}

async function importIfMissing(api: DockerApi): Promise<void> {
  const present = await api.json(`/images/${markerImage}/json`, { ok: [200, 404] });
  if (present.status === 200) return;
  const [repo, tag] = markerImage.split(':') as [string, string];
  // Two zero blocks are a complete, empty tar archive.
  const imported = await api.call('/images/create', {
    method: 'POST',
    query: { fromSrc: '-', repo, tag, changes: ['CMD ["/lockstep-marker"]', 'LABEL io.lockstep.marker=1'] },
    raw: Buffer.alloc(1024),
  });
  // The import reports progress as a JSON stream; a failure may come inside it with status 200.
  const failure = /"error"\s*:\s*"([^"]*)"/.exec(imported.body)?.[1];
  if (imported.status !== 200 || failure) {
    throw new LockstepError('DOCKER', `could not create the marker image ${markerImage}: ${failure ?? `status ${imported.status}`}`);
  }
}
