import { docker, type DockerHost } from './dockerHost.js';

/**
 * The image of lockstep's marker containers (lease, recorded lock): an empty filesystem imported on
 * the host itself, so nothing is pulled from any registry, and a container of it cannot run anything.
 */
export const markerImage = 'lockstep-marker:1';

export async function ensureMarkerImage(host: DockerHost): Promise<void> {
  const present = await docker(host, ['image', 'inspect', '--format', '{{.Id}}', markerImage], { allowFailure: true });
  if (present.exitCode === 0) return;
  // Two zero blocks are a complete, empty tar archive.
  await docker(host, ['import', '--change', 'CMD ["/lockstep-marker"]', '--change', 'LABEL io.lockstep.marker=1', '-', markerImage], {
    input: Buffer.alloc(1024),
  });
}
