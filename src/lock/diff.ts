import { canonicalJson } from './canonical.js';
import type { LockedService, ReleaseLock } from './schema.js';

export type ServiceChange = 'added' | 'removed' | 'changed' | 'unchanged';

export interface ServiceDiff {
  service: string;
  change: ServiceChange;
  /** Fields whose values differ (for `changed`). */
  fields: Array<keyof LockedService>;
  before?: LockedService;
  after?: LockedService;
}

export interface LockDiff {
  from: string | null;
  to: string;
  services: ServiceDiff[];
  summary: Record<ServiceChange, number>;
  /**
   * The two locks are the same but for when they were generated. Anything else (a service field, the
   * source, the hotfix record) is a change the committed lock must follow.
   */
  sameButCreatedAt: boolean;
}

/** The lock without what two generations from the same inputs may differ in. */
function lockContent(lock: ReleaseLock): string {
  const { createdAt: _createdAt, integrity: _integrity, ...content } = lock;
  return canonicalJson(content);
}

/**
 * The two locks are the same but for when and at which commit they were generated: the same services,
 * source ref, pull request and hotfix record. A lock regenerated on lockstep's own lock commit is
 * this to the lock that commit holds.
 */
export function sameButRegenerated(before: ReleaseLock, after: ReleaseLock): boolean {
  const strip = (lock: ReleaseLock): ReleaseLock => ({ ...lock, source: { ...lock.source, commit: '' } });
  return lockContent(strip(before)) === lockContent(strip(after));
}

const compared: Array<keyof LockedService> = ['commit', 'image', 'tag', 'digest', 'version', 'builtAt'];

/** Compares two locks service by service; `before` may be null (first release: everything is added). */
export function diffLocks(before: ReleaseLock | null, after: ReleaseLock): LockDiff {
  const names = new Set([...Object.keys(before?.services ?? {}), ...Object.keys(after.services)]);
  const services: ServiceDiff[] = [...names].sort().map((service) => {
    const old = before?.services[service];
    const now = after.services[service];
    if (!old) return { service, change: 'added', fields: [], after: now };
    if (!now) return { service, change: 'removed', fields: [], before: old };
    const fields = compared.filter((field) => (old[field] ?? null) !== (now[field] ?? null));
    return { service, change: fields.length === 0 ? 'unchanged' : 'changed', fields, before: old, after: now };
  });
  const summary = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const entry of services) summary[entry.change] += 1;
  const sameButCreatedAt = before !== null && lockContent(before) === lockContent(after);
  return { from: before?.integrity ?? null, to: after.integrity, services, summary, sameButCreatedAt };
}

export function hasChanges(diff: LockDiff): boolean {
  return diff.summary.added + diff.summary.removed + diff.summary.changed > 0;
}
