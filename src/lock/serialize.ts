import { stringify } from 'yaml';
import { sortKeysDeep } from './canonical.js';
import type { ReleaseLock } from './schema.js';

const header = [
  '# lockstep release lock: generated, do not edit by hand.',
  '# The integrity field covers every other field; `lockstep lock verify` checks it.',
].join('\n');

/**
 * The on-disk form: YAML with keys sorted at every level (services therefore by name), so two
 * generations from the same inputs differ only in createdAt and the integrity that covers it.
 */
export function serializeLock(lock: ReleaseLock): string {
  const body = stringify(sortKeysDeep(lock), { lineWidth: 0, indent: 2, sortMapEntries: true });
  return `${header}\n${body}`;
}

export function serializeLockJson(lock: ReleaseLock): string {
  return `${JSON.stringify(sortKeysDeep(lock), null, 2)}\n`;
}
