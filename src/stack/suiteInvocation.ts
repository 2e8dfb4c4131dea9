import { stackNetwork, suiteProjectLabel } from './project.js';

export interface ResolvedSuite {
  name: string;
  image: string;
  command: string[];
  /** Absolute host folder mounted read-only at /suite, or null. */
  directory: string | null;
  env: Record<string, string>;
  timeoutMs: number;
}

export interface SuiteInvocation {
  containerName: string;
  /** `docker` arguments: values of the environment are not among them (see `env`). */
  args: string[];
  /** Variables the docker CLI passes into the container by name (`--env NAME`). */
  env: Record<string, string>;
}

export const suiteMountPath = '/suite';

/**
 * `docker run` for one suite on the stack's network (see suiteNetwork). The environment goes by name only (`--env NAME`,
 * value from the CLI's own environment) so values never show on a command line; the label lets
 * `stack down` find the container even when this process dies.
 */
export function suiteInvocation(
  project: string,
  suite: ResolvedSuite,
  addresses: Record<string, string>,
  runId: string,
  network: string = stackNetwork(project),
): SuiteInvocation {
  const env: Record<string, string> = { ...addresses, STACK_PROJECT: project, ...suite.env };
  const containerName = `${project}-suite-${suite.name}-${runId}`;
  const args = [
    'run',
    '--rm',
    '--name',
    containerName,
    '--network',
    network,
    '--label',
    `${suiteProjectLabel}=${project}`,
    '--label',
    `dev.lockstep.stack.suite=${suite.name}`,
    ...Object.keys(env)
      .sort()
      .flatMap((name) => ['--env', name]),
    ...(suite.directory ? ['--volume', `${suite.directory}:${suiteMountPath}:ro`, '--workdir', suiteMountPath] : []),
    suite.image,
    ...suite.command,
  ];
  return { containerName, args, env };
}
