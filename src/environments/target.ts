import type { ReleaseLock } from '../lock/schema.js';

/**
 * The contract every deploy target (compose, kubernetes, helm-values) fulfils. The deploy stage is
 * written once against it: gate, lease, record, apply, verify, restore on failure.
 */

/** One service as it runs now. `digest` is null when what runs is not pinned by digest (drift). */
export interface LiveService {
  image: string | null;
  digest: string | null;
  /** Whatever the target knows about readiness; undefined when it cannot tell. */
  healthy?: boolean;
}

/** What an environment runs, read from the environment itself (labels, annotations, values file). */
export interface LiveState {
  /** Integrity of the lock recorded as deployed, or null when none was (never deployed by lockstep). */
  lockIntegrity: string | null;
  /** The full recorded lock when the target stores it, so status and rollback need nothing else. */
  lock: ReleaseLock | null;
  services: Record<string, LiveService>;
}

/** What to roll out: every service as image@digest, plus the lock to record. */
export interface DesiredState {
  lock: ReleaseLock;
  /** service -> `image@sha256:...` */
  images: Record<string, string>;
}

export interface Lease {
  holder: string;
  acquiredAt: string;
  expiresAt: string;
}

export type LeaseResult =
  | { acquired: true; lease: Lease; tookOverStale?: Lease }
  | { acquired: false; heldBy: Lease };

export interface CheckResult {
  name: string;
  ok: boolean;
  /** One line a person reads: what was measured against what. */
  detail: string;
  durationMs: number;
}

export interface ProgressSink {
  (message: string): void;
}

export interface DeployTarget {
  readonly kind: 'compose' | 'kubernetes' | 'helm-values';
  /** Target-specific health-gate checks: API reachable, nodes, quotas. Never throws for a failed check. */
  healthChecks(): Promise<CheckResult[]>;
  readLive(): Promise<LiveState>;
  /** Rolls out the desired state and resolves once every service reports healthy; throws otherwise. */
  apply(desired: DesiredState, progress: ProgressSink): Promise<void>;
  acquireLease(holder: string, ttlMs: number, now?: Date): Promise<LeaseResult>;
  releaseLease(holder: string): Promise<void>;
}
