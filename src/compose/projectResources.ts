import { apiError, labelFilter, type DockerApi } from '../docker/api.js';
import { containerIds } from '../docker/containers.js';

export interface ProjectResources {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/**
 * Everything docker holds for a project: containers with any of `containerLabels` (compose's, and the
 * one on suite containers), networks and volumes with compose's label. All listed at once, over the
 * Docker API: a docker CLI process per list costs far more than the answer.
 */
export async function listLabelledResources(api: DockerApi, containerLabels: string[], composeLabel: string): Promise<ProjectResources> {
  const [containers, networks, volumes] = await Promise.all([
    Promise.all(containerLabels.map((label) => containerIds(api, label))).then((lists) => [...new Set(lists.flat())].sort()),
    api.json<Array<{ Id: string }>>('/networks', { query: labelFilter(composeLabel) }).then(({ value }) => (value ?? []).map((network) => network.Id).sort()),
    api
      .json<{ Volumes: Array<{ Name: string }> | null }>('/volumes', { query: labelFilter(composeLabel) })
      .then(({ value }) => (value?.Volumes ?? []).map((volume) => volume.Name).sort()),
  ]);
  return { containers, networks, volumes };
}

export function countResources(resources: ProjectResources): number {
  return resources.containers.length + resources.networks.length + resources.volumes.length;
}

/**
 * Removes the given resources, containers first (a network or volume in use cannot go). Each removal
 * may race with compose removing the same thing, so "no such ..." (404) counts as removed. Returns
 * the daemon's message for each one that could not be removed.
 */
export async function removeResources(api: DockerApi, resources: ProjectResources): Promise<string[]> {
  const problems: string[] = [];
  const remove = async (paths: string[], query: Record<string, string>) => {
    await Promise.all(
      paths.map(async (path) => {
        const response = await api.call(path, { method: 'DELETE', query });
        if (response.status !== 204 && response.status !== 200 && response.status !== 404) problems.push(apiError('DELETE', path, response).message);
      }),
    );
  };
  await remove(resources.containers.map((id) => `/containers/${encodeURIComponent(id)}`), { force: 'true', v: 'true' });
  await remove(resources.networks.map((id) => `/networks/${encodeURIComponent(id)}`), {});
  await remove(resources.volumes.map((name) => `/volumes/${encodeURIComponent(name)}`), { force: 'true' });
  return problems;
}
