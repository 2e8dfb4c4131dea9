import { defaultImages } from '../defaults.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LockstepError } from '../errors.js';
import { run } from '../exec/run.js';

export interface BaseImages {
  /** For `ARG NODE_IMAGE` Dockerfiles. */
  node: string;
  /** For `ARG BASE_IMAGE` Dockerfiles. */
  base: string;
}

/** LOCKSTEP_NODE_IMAGE / LOCKSTEP_BASE_IMAGE where no registry is reachable, the public images elsewhere. */
export function baseImagesFromEnv(env: NodeJS.ProcessEnv = process.env): BaseImages {
  return { node: env.LOCKSTEP_NODE_IMAGE || defaultImages.node, base: env.LOCKSTEP_BASE_IMAGE || defaultImages.base };
}

export interface BuiltImage {
  /** `repository:tag` as pushed. */
  tagged: string;
  digest: string;
  /** The image config's `created`. */
  builtAt: string | null;
  version: string | null;
}

/** The service version: package.json's, else a VERSION file's first line. */
export async function serviceVersion(dir: string): Promise<string | null> {
  const manifest = await readFile(join(dir, 'package.json'), 'utf8').catch(() => null);
  if (manifest !== null) return (JSON.parse(manifest) as { version?: string }).version ?? null;
  const file = await readFile(join(dir, 'VERSION'), 'utf8').catch(() => null);
  return file?.split('\n')[0]?.trim() || null;
}

function dockerEnv(): NodeJS.ProcessEnv {
  // Debian's docker.io has no buildx and client 28 refuses BuildKit without it; the legacy builder works everywhere.
  return { ...process.env, DOCKER_BUILDKIT: process.env.DOCKER_BUILDKIT ?? '0' };
}

/**
 * Builds a service from its repository with REVISION=<commit> and VERSION, passing only the base-image
 * arguments its Dockerfile declares, then pushes it. Identical inputs hit docker's layer cache.
 */
export async function buildAndPush(
  dir: string,
  options: { repository: string; tag: string; commit: string; bases: BaseImages; signal?: AbortSignal },
): Promise<BuiltImage> {
  const dockerfile = await readFile(join(dir, 'Dockerfile'), 'utf8');
  const declared = new Set([...dockerfile.matchAll(/^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)/gm)].map((match) => match[1]));
  const version = await serviceVersion(dir);
  const args: Record<string, string> = { REVISION: options.commit };
  if (version) args.VERSION = version;
  if (declared.has('NODE_IMAGE')) args.NODE_IMAGE = options.bases.node;
  if (declared.has('BASE_IMAGE')) args.BASE_IMAGE = options.bases.base;
  const tagged = `${options.repository}:${options.tag}`;
  const buildArgs = Object.entries(args).flatMap(([key, value]) => ['--build-arg', `${key}=${value}`]);
  // The registry-independent tag keeps the image (and the layer cache under it) when a sandbox removes
  // the tags of its throwaway registry, so the next sandbox builds from cache.
  const keep = `lockstep-sandbox/${options.repository.split('/').at(-1)}:${options.tag}`;
  await run('docker', ['build', '--quiet', '--tag', tagged, '--tag', keep, ...buildArgs, dir], { env: dockerEnv(), errorCode: 'DOCKER', signal: options.signal });
  await run('docker', ['push', '--quiet', tagged], { env: dockerEnv(), errorCode: 'REGISTRY', signal: options.signal });
  const inspected = await run('docker', ['image', 'inspect', '--format', '{{json .RepoDigests}}\t{{.Created}}', tagged], { errorCode: 'DOCKER' });
  const [digestsJson = '[]', created = ''] = inspected.stdout.trim().split('\t');
  const digest = (JSON.parse(digestsJson) as string[]).find((entry) => entry.startsWith(`${options.repository}@`))?.split('@')[1];
  if (!digest) throw new LockstepError('REGISTRY', `pushed ${tagged} but docker reports no digest for ${options.repository}`);
  return { tagged, digest, builtAt: created || null, version };
}

/** Removes image references (tags, repo@digest) without deleting images other references still hold. */
export async function untag(references: string[]): Promise<void> {
  if (references.length === 0) return;
  await run('docker', ['image', 'rm', '--no-prune', ...references], { errorCode: 'DOCKER', allowFailure: true });
}
