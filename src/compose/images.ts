import { LockstepError } from '../errors.js';
import { run, type RunOptions } from '../exec/run.js';

export async function imagePresent(reference: string, options: RunOptions = {}): Promise<boolean> {
  const result = await run('docker', ['image', 'inspect', '--format', '{{.Id}}', reference], { errorCode: 'DOCKER', ...options, allowFailure: true });
  return result.exitCode === 0;
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
