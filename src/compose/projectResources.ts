import { run, type RunOptions } from '../exec/run.js';

export interface ProjectResources {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/** Everything docker holds with one of these labels: what `stack down` must leave at zero. */
export async function listLabelledResources(labels: string[], options: RunOptions = {}): Promise<ProjectResources> {
  const ids = async (args: string[]) => {
    const found = new Set<string>();
    for (const label of labels) {
      const result = await run('docker', [...args, '--filter', `label=${label}`], { errorCode: 'DOCKER', ...options });
      for (const line of result.stdout.split('\n')) if (line.trim()) found.add(line.trim());
    }
    return [...found].sort();
  };
  return {
    containers: await ids(['container', 'ls', '--all', '--quiet', '--no-trunc']),
    networks: await ids(['network', 'ls', '--quiet', '--no-trunc']),
    volumes: await ids(['volume', 'ls', '--quiet']),
  };
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
