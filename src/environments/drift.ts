import type { LockedService } from '../lock/schema.js';
import type { LiveService, LiveState } from './target.js';

export type Drift =
  /** The service is in the lock but nothing runs for it. */
  | 'missing'
  /** It runs, but not by digest: someone started it from a tag. */
  | 'not-pinned'
  /** It runs a digest other than the locked one. */
  | 'digest-differs'
  /** It runs the locked digest but is not up or not healthy. */
  | 'not-running'
  /** It runs the right digest under the label of another lock (a service redeployed alone). */
  | 'other-lock';

export interface ServiceStatus {
  service: string;
  locked: LockedService | null;
  live: LiveService | null;
  drift: Drift | null;
  /** One line for people: what differs, or `in sync`. */
  detail: string;
}

export interface EnvironmentStatus {
  lockIntegrity: string | null;
  services: ServiceStatus[];
  drifted: string[];
  /** True only when a lock is recorded and every locked service runs its digest, healthy. */
  inSync: boolean;
}

/**
 * Compares what runs with the lock the environment records. Services outside the lock (a database
 * from the compose file) are listed but never drift: the lock does not speak for them.
 */
export function computeStatus(live: LiveState): EnvironmentStatus {
  const locked = live.lock?.services ?? {};
  const names = [...new Set([...Object.keys(locked), ...Object.keys(live.services)])].sort();
  const services = names.map((service): ServiceStatus => {
    const want = locked[service] ?? null;
    const have = live.services[service] ?? null;
    if (!want) return { service, locked: null, live: have, drift: null, detail: 'not in the lock' };
    const drift = serviceDrift(want, have, live.lock?.integrity ?? null);
    return { service, locked: want, live: have, drift, detail: driftDetail(drift, want, have) };
  });
  const drifted = services.filter((entry) => entry.drift !== null).map((entry) => entry.service);
  return { lockIntegrity: live.lockIntegrity, services, drifted, inSync: live.lock !== null && drifted.length === 0 };
}

function serviceDrift(want: LockedService, have: LiveService | null, integrity: string | null): Drift | null {
  if (!have || have.state === 'missing') return 'missing';
  if (have.digest === null) return 'not-pinned';
  if (have.digest !== want.digest) return 'digest-differs';
  if (have.healthy === false) return 'not-running';
  if (have.lockIntegrity !== undefined && have.lockIntegrity !== integrity) return 'other-lock';
  return null;
}

function driftDetail(drift: Drift | null, want: LockedService, have: LiveService | null): string {
  switch (drift) {
    case null:
      return 'in sync';
    case 'missing':
      return 'locked but not running';
    case 'not-pinned':
      return `runs ${have?.image ?? 'an image'} (not pinned by digest)`;
    case 'digest-differs':
      return `runs ${have?.digest} instead of ${want.digest}`;
    case 'not-running':
      return `locked digest, but ${have?.state ?? 'not healthy'}`;
    case 'other-lock':
      return `locked digest, labelled with another lock (${have?.lockIntegrity ?? 'none'})`;
  }
}
