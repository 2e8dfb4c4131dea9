import { LockstepError } from '../errors.js';
import type { ReleaseLock } from '../lock/schema.js';
import type { RegistryClient } from './client.js';

export interface MissingDigest {
  service: string;
  image: string;
  digest: string;
}

export interface DigestVerification {
  checked: number;
  /** Every digest the registry does not have, by service name. */
  missing: MissingDigest[];
}

/**
 * Checks that every digest of a lock still exists in its registry (HEAD by digest, all services at
 * once within the client's concurrency). Missing digests are returned, all of them; registries that
 * cannot be asked at all make it throw, listing each service that could not be checked.
 */
export async function verifyLockDigests(lock: ReleaseLock, client: RegistryClient): Promise<DigestVerification> {
  const entries = Object.entries(lock.services).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const outcomes = await Promise.allSettled(entries.map(([, service]) => client.manifestExists(service.image, service.digest)));
  const missing: MissingDigest[] = [];
  const failures: string[] = [];
  outcomes.forEach((outcome, index) => {
    const [name, service] = entries[index]!;
    if (outcome.status === 'rejected') {
      const reason = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
      failures.push(`${name}: ${reason}`);
    } else if (!outcome.value) missing.push({ service: name, image: service.image, digest: service.digest });
  });
  if (failures.length > 0) {
    throw new LockstepError('REGISTRY', `could not check ${failures.length} of ${entries.length} digests`, { details: failures });
  }
  return { checked: entries.length, missing };
}
