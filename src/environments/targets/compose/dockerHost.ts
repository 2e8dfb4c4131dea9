import { run, type RunOptions, type RunResult } from '../../../exec/run.js';

/** The daemon an environment lives on, as docker and compose are told through DOCKER_HOST. */
export interface DockerHost {
  /** The DOCKER_HOST value, or undefined for the local default socket. */
  url: string | undefined;
  /** True when the daemon's filesystem is this machine's (a unix socket), so statfs and /proc apply. */
  local: boolean;
}

export function resolveDockerHost(configured: string | undefined, env: NodeJS.ProcessEnv = process.env): DockerHost {
  const url = configured ?? (env.DOCKER_HOST || undefined);
  return { url, local: url === undefined || url.startsWith('unix://') };
}

export function describeHost(host: DockerHost): string {
  return host.url ?? 'the local docker socket';
}

/** The environment every docker and compose process of this target runs with. */
export function dockerEnv(host: DockerHost, extra: Record<string, string> = {}, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, ...extra };
  if (host.url) env.DOCKER_HOST = host.url;
  return env;
}

export function docker(host: DockerHost, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return run('docker', args, { errorCode: 'DOCKER', timeoutMs: 120_000, ...options, env: dockerEnv(host, {}, options.env) });
}
