import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Tag } from '@aws-sdk/client-ecs';
import { decideLease, newLease } from '../../lease/decideLease.js';
import type { Lease, LeaseResult } from '../../target.js';

/**
 * The deploy lease of an ECS environment, kept in tags on its cluster.
 *
 * TagResource has no condition: two runs writing one tag key both succeed and the later one silently
 * wins, so "read, see it free, write" lets two runs deploy at once. Instead every run writes its own
 * claim under its own key (nobody's write can erase another's), then lists the tags:
 * - it sees no other live claim: it has the lease, and turns its claim from pending to held;
 * - it sees another's held claim: it withdraws its own and reports the holder;
 * - it sees another's pending claim: both may be looking at once, so it withdraws, waits a random
 *   while, and tries again.
 * Two runs cannot both win: if A's listing did not show B's claim, B wrote it after A listed, so after
 * A wrote its own, and B's listing (after its write) shows A's claim. That needs a listing to show
 * every write that finished before it; ECS reads are eventually consistent, so a run waits `settleMs`
 * between its write and its listing, and a pending claim lives long enough (`pendingTtlMs`) to be seen.
 * A claim whose expiry passed is removed by the next run (a killed run must not block forever).
 */

export interface TagStore {
  list(): Promise<Tag[]>;
  put(tags: Tag[]): Promise<void>;
  remove(keys: string[]): Promise<void>;
}

export interface Claim extends Lease {
  key: string;
  state: 'pending' | 'held';
}

export interface TagLeaseOptions {
  environment: string;
  settleMs: number;
  /** Tries while other runs' claims are pending, before giving up as held. */
  attempts: number;
  pendingTtlMs: number;
  random?: () => number;
}

const prefix = 'lockstep:lease:';
/** What a tag value may hold (letters, digits, spaces and `_ . : / = + - @`), at most 256 characters. */
const tagUnsafe = /[^\p{L}\p{N} _.:/=+\-@]/gu;

export function claimKeyPrefix(environment: string): string {
  return `${prefix}${environment}:`;
}

export function claimTag(environment: string, id: string, claim: Omit<Claim, 'key'>): Tag {
  return { key: `${claimKeyPrefix(environment)}${id}`, value: `${claim.state} ${claim.acquiredAt} ${claim.expiresAt} ${tagHolder(claim.holder)}` };
}

/**
 * The holder as a tag value can carry it (with the state and two timestamps, within 256 characters);
 * holders are always compared in this form.
 */
export function tagHolder(holder: string): string {
  return holder.replace(tagUnsafe, '_').slice(0, 180);
}

export function claimsOf(tags: readonly Tag[], environment: string): Claim[] {
  const start = claimKeyPrefix(environment);
  return tags.flatMap((tag) => {
    if (!tag.key?.startsWith(start)) return [];
    const [state, acquiredAt, expiresAt, ...holder] = (tag.value ?? '').split(' ');
    // An unreadable claim still counts, with an expiry nobody can read: decideLease treats it as stale.
    return [{ key: tag.key, state: state === 'held' ? 'held' : 'pending', acquiredAt: acquiredAt ?? 'unknown', expiresAt: expiresAt ?? 'unknown', holder: holder.join(' ') }];
  });
}

export type ClaimVerdict =
  | { outcome: 'won'; stale: Claim[]; tookOver?: Lease }
  | { outcome: 'held'; heldBy: Claim; stale: Claim[] }
  | { outcome: 'contended'; pending: Claim; stale: Claim[] };

/** What one listing says about my claim. Pure, so the rules are tested without a cluster. */
export function judgeClaims(claims: readonly Claim[], mine: string, holder: string, now: Date): ClaimVerdict {
  const stale: Claim[] = [];
  let held: Claim | undefined;
  let pending: Claim | undefined;
  let tookOver: Lease | undefined;
  for (const claim of claims) {
    if (claim.key === mine) continue;
    const decision = decideLease(claim, tagHolder(holder), now);
    if (decision.action === 'refuse') {
      if (claim.state === 'held') held ??= claim;
      else pending ??= claim;
      continue;
    }
    stale.push(claim);
    if (decision.action === 'take-over' && decision.reason !== 'own' && claim.state === 'held') tookOver ??= { holder: claim.holder, acquiredAt: claim.acquiredAt, expiresAt: claim.expiresAt };
  }
  if (held) return { outcome: 'held', heldBy: held, stale };
  if (pending) return { outcome: 'contended', pending, stale };
  return tookOver ? { outcome: 'won', stale, tookOver } : { outcome: 'won', stale };
}

export async function acquireTagLease(store: TagStore, options: TagLeaseOptions, holder: string, ttlMs: number, now: Date): Promise<LeaseResult> {
  const random = options.random ?? Math.random;
  const id = randomBytes(8).toString('hex');
  const key = `${claimKeyPrefix(options.environment)}${id}`;
  // The caller's clock, advanced by the time spent here: tests move `now` to expire leases.
  const started = performance.now();
  const at = () => new Date(now.getTime() + Math.round(performance.now() - started));
  let lastPending: Claim | undefined;
  for (let attempt = 0; attempt < options.attempts; attempt += 1) {
    const pendingLease = newLease(holder, Math.min(ttlMs, options.pendingTtlMs), at());
    await store.put([claimTag(options.environment, id, { ...pendingLease, state: 'pending' })]);
    if (options.settleMs > 0) await sleep(options.settleMs);
    const verdict = judgeClaims(claimsOf(await store.list(), options.environment), key, holder, at());
    if (verdict.stale.length > 0) await store.remove(verdict.stale.map((claim) => claim.key));
    if (verdict.outcome === 'won') {
      const lease = newLease(holder, ttlMs, at());
      await store.put([claimTag(options.environment, id, { ...lease, state: 'held' })]);
      return verdict.tookOver ? { acquired: true, lease, tookOverStale: verdict.tookOver } : { acquired: true, lease };
    }
    await store.remove([key]);
    if (verdict.outcome === 'held') return { acquired: false, heldBy: leaseOf(verdict.heldBy) };
    lastPending = verdict.pending;
    await sleep(Math.round((100 + random() * 400) * 2 ** attempt));
  }
  return { acquired: false, heldBy: leaseOf(lastPending!) };
}

/** Removes every claim of this holder for the environment; another run's claims are left alone. */
export async function releaseTagLease(store: TagStore, environment: string, holder: string): Promise<void> {
  const mine = claimsOf(await store.list(), environment).filter((claim) => claim.holder === tagHolder(holder));
  if (mine.length > 0) await store.remove(mine.map((claim) => claim.key));
}

function leaseOf(claim: Claim): Lease {
  return { holder: claim.holder, acquiredAt: claim.acquiredAt, expiresAt: claim.expiresAt };
}
