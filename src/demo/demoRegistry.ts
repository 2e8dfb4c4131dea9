import type { DockerApi } from '../docker/api.js';
import { toContainer } from '../docker/containers.js';
import { LockstepError } from '../errors.js';
import { run } from '../exec/run.js';

export interface DemoRegistry {
  container: string;
  /** `localhost:<port>`: loopback, so docker pushes to it over plain http. */
  host: string;
}

/** Starts a throw-away OCI registry container on a free loopback port and waits until it answers. */
export async function startDemoRegistry(api: DockerApi, image: string, name: string, labels: Record<string, string>): Promise<DemoRegistry> {
  const labelArgs = Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
  await run('docker', ['run', '--detach', '--name', name, ...labelArgs, '--publish', '127.0.0.1::5000', image], { errorCode: 'DOCKER' });
  const { value } = await api.json<unknown>(`/containers/${encodeURIComponent(name)}/json`);
  const port = toContainer(value).published['5000/tcp']?.[0]?.split(':').pop();
  if (!port) throw new LockstepError('DOCKER', `the demo registry ${name} published no port`);
  const host = `localhost:${port}`;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const answered = await fetch(`http://${host}/v2/`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (answered) return { container: name, host };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new LockstepError('DOCKER', `the demo registry ${name} did not answer on ${host} within 30 s`);
}
