import { LockstepError } from '../errors.js';
import type { RunOptions } from '../exec/run.js';
import type { DockerApi } from './api.js';
import { docker, type DockerHost } from './host.js';

/** The references the daemon does not have yet, asked all at once. */
export async function missingImages(api: DockerApi, references: readonly string[]): Promise<string[]> {
  const wanted = [...new Set(references)].sort();
  const present = await Promise.all(wanted.map(async (reference) => (await api.json(`/images/${reference}/json`, { ok: [200, 404] })).status === 200));
  return wanted.filter((_reference, index) => !present[index]);
}

/**
 * Pulls an image by reference through the docker CLI (which holds the registry credentials); a
 * failure names what needed it, so the message alone says which lock entry is wrong.
 */
export async function pullImage(host: DockerHost, reference: string, options: RunOptions & { forWhat?: string } = {}): Promise<void> {
  const result = await docker(host, ['image', 'pull', '--quiet', reference], { timeoutMs: 600_000, ...options, allowFailure: true });
  if (result.exitCode !== 0) {
    const reason = (result.stderr || result.stdout).trim().split('\n').at(-1) || `docker pull exited with ${result.exitCode}`;
    throw new LockstepError('REGISTRY', `${options.forWhat ? `${options.forWhat}: ` : ''}cannot pull ${reference}: ${reason}`, {
      hint: 'check that the lock was generated against this registry and that the docker daemon can reach it',
    });
  }
}
