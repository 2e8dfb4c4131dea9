import { createHash } from 'node:crypto';

/**
 * Canonical JSON: object keys sorted by code point, no whitespace, arrays in order. Two equal values
 * always serialise to the same bytes, which is what the integrity digest is computed over.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (value === undefined) throw new TypeError('undefined has no canonical JSON form');
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('non-finite numbers have no JSON form');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

export function sha256Digest(content: string | Uint8Array): `sha256:${string}` {
  return `sha256:${createHash('sha256').update(content).digest('hex')}`;
}

/** Returns a copy of an object with its keys sorted recursively (for stable YAML output). */
export function sortKeysDeep<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortKeysDeep) as T;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value as object).sort()) {
    const item = (value as Record<string, unknown>)[key];
    if (item !== undefined) sorted[key] = sortKeysDeep(item);
  }
  return sorted as T;
}
