// Builds and pushes real images with the docker CLI (legacy builder, see dockerEnv in docker.ts).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker } from '../../support/docker.js';

export interface DockerBuildOptions {
  /** Full reference to tag the result with, e.g. `localhost:5000/shop/api:1.2.3`. */
  tag: string;
  buildArgs?: Record<string, string>;
  labels?: Record<string, string>;
  /** Dockerfile path relative to the context (default `Dockerfile`). */
  dockerfile?: string;
}

/** Builds `contextDir` and returns the image id (`sha256:...`). */
export async function dockerBuild(contextDir: string, options: DockerBuildOptions): Promise<string> {
  const args = ['build', '--tag', options.tag];
  if (options.dockerfile) args.push('--file', join(contextDir, options.dockerfile));
  for (const [key, value] of Object.entries(options.buildArgs ?? {})) args.push('--build-arg', `${key}=${value}`);
  for (const [key, value] of Object.entries(options.labels ?? {})) args.push('--label', `${key}=${value}`);
  args.push(contextDir);
  await docker(args);
  return docker(['image', 'inspect', '--format', '{{.Id}}', options.tag]);
}

export interface DockerPushOptions {
  /** Credentials for the registry in `ref`; used through a throwaway DOCKER_CONFIG, no `docker login`. */
  auth?: { username: string; password: string };
}

/** Pushes `ref` and returns the manifest digest the registry stored (`sha256:...`). */
export async function dockerPush(ref: string, options: DockerPushOptions = {}): Promise<string> {
  let configDir: string | undefined;
  try {
    const env: Record<string, string> = {};
    if (options.auth) {
      configDir = await mkdtemp(join(tmpdir(), 'lockstep-docker-config-'));
      const auth = Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64');
      await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [registryOf(ref)]: { auth } } }));
      env.DOCKER_CONFIG = configDir;
    }
    const out = await docker(['push', ref], { env });
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(out)?.[1];
    if (digest) return digest;
    // Older clients print no digest line; the daemon records it as a repo digest instead.
    const repo = ref.replace(/(@.*|:[^:/]*)$/, '');
    const repoDigests = (await docker(['image', 'inspect', '--format', '{{join .RepoDigests "\\n"}}', ref])).split('\n');
    const match = repoDigests.find((d) => d.startsWith(`${repo}@`));
    if (!match) throw new Error(`docker push ${ref}: no digest in output or RepoDigests:\n${out}`);
    return match.slice(repo.length + 1);
  } finally {
    if (configDir) await rm(configDir, { recursive: true, force: true });
  }
}

/** `localhost:5000/a/b:tag` -> `localhost:5000`. */
function registryOf(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  return ref.includes('/') && /[.:]|^localhost$/.test(first) ? first : 'https://index.docker.io/v1/';
}
