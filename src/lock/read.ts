import { InputError } from '../errors.js';
import { readDocument } from '../io/readDocument.js';
import { computeIntegrity } from './integrity.js';
import { releaseLock, type ReleaseLock } from './schema.js';

/** Reads a lock file and checks its schema and integrity; any problem is a one-line InputError. */
export async function readLock(file: string): Promise<ReleaseLock> {
  const lock = await readDocument(file, releaseLock);
  checkIntegrity(file, lock);
  return lock;
}

export function checkIntegrity(file: string, lock: ReleaseLock): void {
  const expected = computeIntegrity(lock);
  if (expected !== lock.integrity) {
    throw new InputError(file, 'integrity', `does not match the content (computed ${expected}); the lock was edited after it was generated`);
  }
}
