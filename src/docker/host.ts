import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run, type RunOptions, type RunResult } from '../exec/run.js';

/** The daemon an environment lives on, and how lockstep reaches it. */
export interface DockerHost {
  /** The DOCKER_HOST value handed to docker and compose, or undefined for their default. */
  url: string | undefined;
  /** The docker context the CLI uses when no DOCKER_HOST is set (other than `default`), or undefined. */
  context: string | undefined;
  /**
   * The unix socket lockstep talks to directly, or null when the docker CLI must connect (an ssh:// or
   * tcp:// host, a context): then the API goes through `docker system dial-stdio`.
   */
  socketPath: string | null;
  /** True when the daemon's filesystem is this machine's, so statfs and /proc measure the docker host. */
  local: boolean;
}

const defaultSocket = '/var/run/docker.sock';

export function resolveDockerHost(
  configured: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  currentContext: () => string | undefined = () => contextFromCliConfig(env),
): DockerHost {
  const url = configured ?? (env.DOCKER_HOST || undefined);
  if (url !== undefined) {
    const socketPath = url.startsWith('unix://') ? url.slice('unix://'.length) : null;
    return { url, context: undefined, socketPath, local: socketPath !== null };
  }
  const context = env.DOCKER_CONTEXT || currentContext();
  if (context !== undefined && context !== 'default') return { url: undefined, context, socketPath: null, local: false };
  return { url: undefined, context: undefined, socketPath: defaultSocket, local: true };
}

/** The `currentContext` of the docker CLI's config.json, as `docker context use` sets it. */
function contextFromCliConfig(env: NodeJS.ProcessEnv): string | undefined {
  try {
    const file = join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
    const context = (JSON.parse(readFileSync(file, 'utf8')) as { currentContext?: unknown }).currentContext;
    return typeof context === 'string' && context !== '' ? context : undefined;
  } catch {
    return undefined;
  }
}

export function describeHost(host: DockerHost): string {
  if (host.url) return host.url;
  if (host.context) return `docker context ${host.context}`;
  return 'the local docker socket';
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
