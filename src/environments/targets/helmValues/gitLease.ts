import { LockstepError } from '../../../errors.js';
import { decideLease, newLease } from '../../lease/decideLease.js';
import type { Lease, LeaseResult } from '../../target.js';
import type { ConfigRepo } from './configRepo.js';

/**
 * The lease of a GitOps environment without a cluster to hold it: a ref in the config repository,
 * `refs/lockstep/leases/<env>`, pointing at a commit whose message is the lease. Taking and freeing it
 * are pushes with --force-with-lease, a compare-and-swap the git server performs atomically, so two
 * runs can never both believe they hold it.
 */
export class GitRefLease {
  readonly ref: string;

  constructor(
    private readonly repo: ConfigRepo,
    environment: string,
  ) {
    this.ref = `refs/lockstep/leases/${environment}`;
  }

  async acquire(holder: string, ttlMs: number, now: Date): Promise<LeaseResult> {
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const current = await this.repo.fetchRef(this.ref);
      const existing = current ? parseLease(await this.repo.message(current)) : null;
      const decision = decideLease(existing, holder, now);
      if (decision.action === 'refuse') return { acquired: false, heldBy: decision.heldBy };
      const lease = newLease(holder, ttlMs, now);
      const commit = await this.repo.messageCommit(`lockstep lease\n\n${JSON.stringify(lease)}\n`);
      if (await this.repo.pushExpecting(commit, this.ref, current)) {
        return decision.action === 'take-over' && decision.reason !== 'own' ? { acquired: true, lease, tookOverStale: decision.stale } : { acquired: true, lease };
      }
    }
    throw new LockstepError('CONFLICT', `the lease ${this.ref} kept changing while it was being acquired`);
  }

  async release(holder: string): Promise<void> {
    const current = await this.repo.fetchRef(this.ref);
    if (!current) return;
    const lease = parseLease(await this.repo.message(current));
    if (lease?.holder !== holder) return;
    // Deleting only the commit that was read: a lease taken over in between stays with its new holder.
    await this.repo.pushExpecting(null, this.ref, current);
  }
}

/** The lease in a commit message; one nobody can read still blocks until decideLease calls it stale. */
export function parseLease(message: string): Lease {
  const json = message.slice(message.indexOf('{'));
  try {
    const parsed = JSON.parse(json) as Partial<Lease>;
    if (typeof parsed.holder === 'string' && typeof parsed.acquiredAt === 'string' && typeof parsed.expiresAt === 'string') {
      return { holder: parsed.holder, acquiredAt: parsed.acquiredAt, expiresAt: parsed.expiresAt };
    }
  } catch {
    // Fall through: an unreadable record.
  }
  return { holder: '(unreadable lease record)', acquiredAt: 'unknown', expiresAt: 'unknown' };
}
