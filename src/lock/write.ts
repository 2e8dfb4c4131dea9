import { writeAtomic } from '../io/writeAtomic.js';
import type { ReleaseLock } from './schema.js';
import { serializeLock, serializeLockJson } from './serialize.js';

export function formatFor(file: string): 'json' | 'yaml' {
  return file.endsWith('.json') ? 'json' : 'yaml';
}

export function renderLockFile(lock: ReleaseLock, format: 'json' | 'yaml'): string {
  return format === 'json' ? serializeLockJson(lock) : serializeLock(lock);
}

/** Writes a lock atomically; with `exclusive` an existing file is never replaced (release archive). */
export async function writeLock(file: string, lock: ReleaseLock, options: { exclusive?: boolean } = {}): Promise<void> {
  await writeAtomic(file, renderLockFile(lock, formatFor(file)), options);
}
