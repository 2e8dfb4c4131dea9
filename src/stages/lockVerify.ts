import { LockstepError } from '../errors.js';
import { checkLockMatchesConfig } from '../lock/matchConfig.js';
import { readLock } from '../lock/read.js';
import type { ReleaseLock } from '../lock/schema.js';
import type { RegistryClient } from '../registry/client.js';
import { verifyLockDigests, type DigestVerification } from '../registry/verifyLockDigests.js';

export interface VerifyLockResult {
  lock: ReleaseLock;
  /** Present when the registry was asked. */
  registry?: DigestVerification;
}

/** The config a lock is checked against: its file (named in messages) and the services it configures. */
export interface ExpectedServices {
  configFile: string;
  services: readonly string[];
}

/**
 * `lockstep lock verify`: schema and integrity always; with the config, that the lock pins exactly its
 * services; with a registry client, also that every digest still exists there (a garbage-collected or
 * deleted image would make the deploy fail later).
 */
export async function verifyLockFile(file: string, deps: { registry?: RegistryClient; expected?: ExpectedServices } = {}): Promise<VerifyLockResult> {
  const lock = await readLock(file);
  if (deps.expected) checkLockMatchesConfig(file, lock, deps.expected.configFile, deps.expected.services);
  if (!deps.registry) return { lock };
  const registry = await verifyLockDigests(lock, deps.registry);
  if (registry.missing.length > 0) {
    throw new LockstepError('NOT_FOUND', `${registry.missing.length} of ${registry.checked} digests in ${file} are missing from the registry`, {
      details: registry.missing.map((entry) => `${entry.service}: ${entry.image}@${entry.digest} not found`),
      hint: 'the images were deleted or garbage-collected; rebuild, push and generate a new lock',
    });
  }
  return { lock, registry };
}
