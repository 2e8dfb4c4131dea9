import { LockstepError } from '../errors.js';
import { run, type RunOptions } from '../exec/run.js';

/** The references docker does not have locally; one `docker image inspect` for all in the usual case. */
export async function missingImages(references: string[], options: RunOptions = {}): Promise<string[]> {
  if (references.length === 0) return [];
  const inspect = (refs: string[]) => run('docker', ['image', 'inspect', '--format', '{{.Id}}', ...refs], { errorCode: 'DOCKER', ...options, allowFailure: true });
  if ((await inspect(references)).exitCode === 0) return [];
  const present = await Promise.all(references.map(async (reference) => (await inspect([reference])).exitCode === 0));
  return references.filter((_reference, index) => !present[index]);
}

/** Pulls an image by reference; a failure names the service so the message alone says which lock entry is wrong. */
export async function pullImage(service: string, reference: string, options: RunOptions = {}): Promise<void> {
  const result = await run('docker', ['image', 'pull', '--quiet', reference], { errorCode: 'DOCKER', ...options, allowFailure: true });
  if (result.exitCode !== 0) {
    const reason = (result.stderr || result.stdout).trim().split('\n').at(-1) ?? `docker pull exited with ${result.exitCode}`;
    throw new LockstepError('REGISTRY', `${service}: cannot pull ${reference}: ${reason}`, {
      hint: 'check that the lock was generated against this registry and that the docker daemon can reach it',
    });
  }
}
