import { LockstepError } from '../errors.js';
import { ociDigest } from '../lock/schema.js';

/**
 * Hidden HTML comments that let lockstep find its own text again on GitHub: the sticky comment it
 * updates instead of duplicating, and the integrity of the lock a promotion pull request carries.
 */

export function stickyMarker(key: string): string {
  return `<!-- lockstep:sticky ${key} -->`;
}

/** The marker must open the body: a person quoting a lockstep comment does not make theirs sticky. */
export function isSticky(body: string, key: string): boolean {
  return body.trimStart().startsWith(stickyMarker(key));
}

export function lockMarker(integrity: string): string {
  return `<!-- lockstep:lock ${JSON.stringify({ integrity })} -->`;
}

const lockMarkerPattern = /<!-- lockstep:lock (\{[^<>]*\}) -->/g;

/**
 * The lock integrity recorded in a body, or null when there is none. Two different ones are refused:
 * a body edited to carry a second marker must not let anyone pick the one that suits them.
 */
export function readLockMarker(body: string): string | null {
  const found = new Set<string>();
  for (const match of body.matchAll(lockMarkerPattern)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(match[1] ?? '');
    } catch {
      throw new LockstepError('GATE_REFUSED', 'the lockstep lock marker in the pull request body is not valid JSON');
    }
    const integrity = ociDigest.safeParse((parsed as { integrity?: unknown } | null)?.integrity);
    if (!integrity.success) throw new LockstepError('GATE_REFUSED', 'the lockstep lock marker in the pull request body has no valid integrity');
    found.add(integrity.data);
  }
  if (found.size > 1) {
    throw new LockstepError('GATE_REFUSED', `the pull request body carries ${found.size} different lock markers`, { details: [...found] });
  }
  return found.values().next().value ?? null;
}
