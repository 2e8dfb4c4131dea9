import { run, type RunOptions } from '../exec/run.js';

export interface ProjectResources {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/**
 * Everything docker holds for a project: containers with any of `containerLabels` (compose's, and the
 * one on suite containers), networks and volumes with compose's label. All listed at once.
 */
export async function listLabelledResources(containerLabels: string[], composeLabel: string, options: RunOptions = {}): Promise<ProjectResources> {
  const ids = async (args: string[], label: string) => {
    const result = await run('docker', [...args, '--filter', `label=${label}`], { errorCode: 'DOCKER', ...options });
    return result.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
  };
  const [containers, networks, volumes] = await Promise.all([
    Promise.all(containerLabels.map((label) => ids(['container', 'ls', '--all', '--quiet', '--no-trunc'], label))).then((lists) => [...new Set(lists.flat())].sort()),
    ids(['network', 'ls', '--quiet', '--no-trunc'], composeLabel).then((list) => list.sort()),
    ids(['volume', 'ls', '--quiet'], composeLabel).then((list) => list.sort()),
  ]);
  return { containers, networks, volumes };
}

export function countResources(resources: ProjectResources): number {
  return resources.containers.length + resources.networks.length + resources.volumes.length;
}

/**
 * Removes the given resources, containers first (a network or volume in use cannot go). Each removal
 * may race with compose removing the same thing, so "no such ..." counts as removed.
 */
export async function removeResources(resources: ProjectResources, options: RunOptions = {}): Promise<string[]> {
  const problems: string[] = [];
  const remove = async (args: string[], items: string[]) => {
    if (items.length === 0) return;
    const result = await run('docker', [...args, ...items], { errorCode: 'DOCKER', ...options, allowFailure: true });
    if (result.exitCode !== 0) {
      problems.push(
        ...result.stderr
          .split('\n')
          .map((line) => line.trim())
          .filter((line) => line && !/no such (container|network|volume)/i.test(line)),
      );
    }
  };
  await remove(['container', 'rm', '--force', '--volumes'], resources.containers);
  await remove(['network', 'rm'], resources.networks);
  await remove(['volume', 'rm', '--force'], resources.volumes);
  return problems;
}
