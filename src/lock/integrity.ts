import { canonicalJson, sha256Digest } from './canonical.js';
import type { LockBody, ReleaseLock } from './schema.js';

/** The integrity covers every field but itself, createdAt included: equal integrity means the same lock. */
export function computeIntegrity(body: LockBody): string {
  const { integrity: _ignored, ...rest } = body as LockBody & { integrity?: string };
  return sha256Digest(canonicalJson(rest));
}

export function sealLock(body: LockBody): ReleaseLock {
  return { ...body, integrity: computeIntegrity(body) };
}

export function integrityMatches(lock: ReleaseLock): boolean {
  return computeIntegrity(lock) === lock.integrity;
}

/** A short, stable name for a lock in messages and commit subjects: the first 12 hex of its integrity. */
export function lockId(lock: Pick<ReleaseLock, 'integrity'>): string {
  return lock.integrity.slice('sha256:'.length, 'sha256:'.length + 12);
}
