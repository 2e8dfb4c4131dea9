import { LockstepError } from '../errors.js';
import type { ReleaseLock } from '../lock/schema.js';

/**
 * The contract every deploy target (compose, kubernetes, helm-values, ecs) fulfils. The deploy stage is
 * written once against it: gate, lease, record, apply, verify, restore on failure.
 */

/** One service as it runs now. `digest` is null when what runs is not pinned by digest (drift). */
export interface LiveService {
  image: string | null;
  digest: string | null;
  /** Whatever the target knows about readiness; undefined when it cannot tell. */
  healthy?: boolean;
  /** The local image id (compose), so a state that was never pinned can still be put back exactly. */
  imageId?: string | null;
  /** Integrity of the lock this service was labelled with, or null; differs from the state's when a service was changed alone. */
  lockIntegrity?: string | null;
  /** A short word for people: running, exited, restarting, missing... */
  state?: string;
  /** The target's own name for what runs (an ECS task definition revision), so a restore puts back exactly that. */
  revision?: string | null;
}

/** What an environment runs, read from the environment itself (labels, annotations, values file). */
export interface LiveState {
  /** Integrity of the lock recorded as deployed, or null when none was (never deployed by lockstep). */
  lockIntegrity: string | null;
  /** The full recorded lock when the target stores it, so status and rollback need nothing else. */
  lock: ReleaseLock | null;
  services: Record<string, LiveService>;
  /** The GitOps controller's own view (Argo CD: sync and health of the application), when one is configured. */
  controller?: { name: string; detail: string; ok: boolean };
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

/** A migration with its image resolved against the lock being deployed. */
export interface MigrationRun {
  image: string;
  command: string[];
  env: Record<string, string>;
  passEnv: string[];
  dependsOn: string[];
  timeoutMs: number;
}

/**
 * What an apply that does not change the environment by itself produced: a GitOps pull request that
 * deploys when merged. The deploy ends "proposed"; running it again after the merge finishes it.
 */
export interface ProposedChange {
  outcome: 'proposed';
  /** Where the change waits, for people: `pull request #12 (https://...)`. */
  where: string;
  pullRequest: { number: number; url: string } | null;
}

export interface DeployTarget {
  readonly kind: 'compose' | 'kubernetes' | 'helm-values' | 'ecs';
  /** One line naming where this is (`compose project shop-staging on unix:///var/run/docker.sock`). */
  describe?(): string;
  /** Target-specific health-gate checks: API reachable, nodes, quotas. Never throws for a failed check. */
  healthChecks(): Promise<CheckResult[]>;
  readLive(): Promise<LiveState>;
  /**
   * Fetches what the rollout needs (pulls images) without changing what runs, so that a missing image
   * aborts the deploy before the migration or anything else touched the environment.
   */
  prepare?(desired: DesiredState, progress: ProgressSink): Promise<void>;
  /**
   * Rolls out the desired state and resolves once every service reports healthy; throws otherwise.
   * A target whose change lands only after a review resolves with the proposal instead.
   */
  apply(desired: DesiredState, progress: ProgressSink): Promise<void | ProposedChange>;
  acquireLease(holder: string, ttlMs: number, now?: Date): Promise<LeaseResult>;
  releaseLease(holder: string): Promise<void>;
  /**
   * Images the rollout would run that are not pinned by digest, besides the lock's own (services the
   * lock does not cover). Protected environments refuse to deploy while this is not empty.
   */
  mutableReferences?(desired: DesiredState): Promise<string[]>;
  /** Runs the migration to completion before anything is rolled out; throws when it fails. */
  runMigration?(migration: MigrationRun, progress: ProgressSink): Promise<void>;
  /**
   * Puts back exactly what `previous` (read before the rollout) describes, including removing services
   * that did not run then. Without it, the deploy stage can only restore a previously recorded lock.
   */
  restore?(previous: LiveState, services: string[], progress: ProgressSink): Promise<void>;
}

/**
 * A rollout that stopped because its failure was certain (a container exited or restarted, a
 * healthcheck ran out of retries), not because time ran out: `certainAt` (epoch ms) is when the
 * target knew, from which the deploy stage reports how long restoring took.
 */
export class RolloutFailed extends LockstepError {
  constructor(
    message: string,
    readonly certainAt: number,
    details: string[],
  ) {
    super('DEPLOY_FAILED', message, { details });
  }
}
