// Thin helpers over the docker CLI for tests: is a daemon reachable, which images to use, and what a
// compose project left behind. Arguments always go through execFile arrays, never a shell.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { detectCompose } from '../src/compose/composeCommand.js';

const execFileAsync = promisify(execFile);

/** Images the tests run. CI exports local stand-ins (scripts/ci/env.sh); elsewhere the public ones. */
export function testImages(): { base: string; node: string; registry: string } {
  return {
    base: process.env.LOCKSTEP_BASE_IMAGE || 'debian:bookworm-slim',
    node: process.env.LOCKSTEP_NODE_IMAGE || 'node:22-bookworm-slim',
    registry: process.env.LOCKSTEP_REGISTRY_IMAGE || 'registry:2',
  };
}

/**
 * Environment for docker CLI calls. Debian's daemon has no buildx, and client 28 refuses BuildKit
 * without it, so builds use the legacy builder unless the caller's environment says otherwise.
 */
export function dockerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '0', ...extra };
}

export interface DockerRunOptions {
  env?: Record<string, string>;
  timeoutMs?: number;
}

/** Runs `docker <args>` and returns trimmed stdout; the error message carries stderr. */
export async function docker(args: string[], options: DockerRunOptions = {}): Promise<string> {
  try {
    const { stdout } = await execFileAsync('docker', args, {
      env: dockerEnv(options.env),
      timeout: options.timeoutMs ?? 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string; stdout?: string };
    const detail = (e.stderr || e.stdout || e.message || '').trim();
    throw new Error(`docker ${args.join(' ')} failed: ${detail}`, { cause: error });
  }
}

let probe: Promise<string | undefined> | undefined;

/** Why no docker daemon can be used, or undefined when one answers. Probed once per process. */
export function dockerUnavailableReason(): Promise<string | undefined> {
  probe ??= docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs: 15_000 }).then(
    () => undefined,
    (error: Error) => error.message.split('\n')[0] ?? 'unknown error',
  );
  return probe;
}

/** Why no docker daemon with compose (v2 or v1) can be used, or undefined when both answer. */
export async function composeUnavailableReason(): Promise<string | undefined> {
  const dockerProblem = await dockerUnavailableReason();
  if (dockerProblem) return `docker is unavailable: ${dockerProblem}`;
  return detectCompose().then(
    () => undefined,
    (error: Error) => `no compose: ${error.message}`,
  );
}

export async function dockerAvailable(): Promise<boolean> {
  return (await dockerUnavailableReason()) === undefined;
}

const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';

function lines(output: string): string[] {
  return output.split('\n').filter((line) => line.length > 0);
}

export interface ContainerSummary {
  id: string;
  name: string;
  state: string;
}

/** All containers (running or not) labelled with the compose project. */
export async function listProjectContainers(project: string): Promise<ContainerSummary[]> {
  const out = await docker([
    'ps', '--all', '--no-trunc',
    '--filter', `label=${COMPOSE_PROJECT_LABEL}=${project}`,
    '--format', '{{.ID}}\t{{.Names}}\t{{.State}}',
  ]);
  return lines(out).map((line) => {
    const [id = '', name = '', state = ''] = line.split('\t');
    return { id, name, state };
  });
}

/** Names of networks labelled with the compose project. */
export async function listProjectNetworks(project: string): Promise<string[]> {
  return lines(await docker(['network', 'ls', '--filter', `label=${COMPOSE_PROJECT_LABEL}=${project}`, '--format', '{{.Name}}']));
}

/** Names of volumes labelled with the compose project. */
export async function listProjectVolumes(project: string): Promise<string[]> {
  return lines(await docker(['volume', 'ls', '--filter', `label=${COMPOSE_PROJECT_LABEL}=${project}`, '--format', '{{.Name}}']));
}

export interface ProjectResources {
  containers: string[];
  networks: string[];
  volumes: string[];
}

/** Everything a compose project still owns; all three lists are empty after a clean teardown. */
export async function projectResources(project: string): Promise<ProjectResources> {
  const [containers, networks, volumes] = await Promise.all([
    listProjectContainers(project),
    listProjectNetworks(project),
    listProjectVolumes(project),
  ]);
  return { containers: containers.map((c) => c.name), networks, volumes };
}

/** Force-removes whatever a compose project left behind (test teardown of last resort). */
export async function removeProjectResources(project: string): Promise<void> {
  const containers = await listProjectContainers(project);
  if (containers.length > 0) await docker(['rm', '--force', '--volumes', ...containers.map((c) => c.id)]);
  const networks = await listProjectNetworks(project);
  if (networks.length > 0) await docker(['network', 'rm', ...networks]);
  const volumes = await listProjectVolumes(project);
  if (volumes.length > 0) await docker(['volume', 'rm', '--force', ...volumes]);
}

/** Removes lockstep's marker containers (lease, recorded lock), which are named after the project outside compose. */
export async function removeLockstepMarkers(project: string): Promise<void> {
  const markers = (await docker(['ps', '--all', '--quiet', '--filter', `name=^${project}-lockstep-`]).catch(() => '')).split('\n').filter(Boolean);
  if (markers.length > 0) await docker(['rm', '--force', ...markers]).catch(() => {});
}
