import { InputError } from '../errors.js';

/**
 * The lock's createdAt: now, or SOURCE_DATE_EPOCH (seconds since 1970, the reproducible-builds
 * convention) when set, in RFC 3339 UTC without fractions.
 */
export function lockTimestamp(env: NodeJS.ProcessEnv, now: Date = new Date()): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  let at = now;
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d{1,12}$/.test(epoch)) throw new InputError('SOURCE_DATE_EPOCH', undefined, 'must be whole seconds since 1970-01-01 UTC');
    at = new Date(Number(epoch) * 1000);
    if (Number.isNaN(at.getTime()) || at.getUTCFullYear() > 9999) throw new InputError('SOURCE_DATE_EPOCH', undefined, 'is out of range');
  }
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
