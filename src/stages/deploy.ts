import type { EnvironmentConfig } from '../config/environments.js';
import { InputError, LockstepError } from '../errors.js';
import { describeLease } from '../environments/lease/decideLease.js';
import { RolloutFailed, type DeployTarget, type DesiredState, type Lease, type LiveState, type MigrationRun, type ProgressSink, type ProposedChange } from '../environments/target.js';
import { lockId } from '../lock/integrity.js';
import type { ReleaseLock } from '../lock/schema.js';
import type { RegistryClient } from '../registry/client.js';
import { verifyLockDigests } from '../registry/verifyLockDigests.js';
import { formatDuration } from '../report/html.js';
import { runHealthGate } from './health.js';

export interface DeployInput {
  environment: string;
  config: EnvironmentConfig;
  target: DeployTarget;
  /** Already read with `readLock`: schema and integrity hold. */
  lock: ReleaseLock;
  registry: RegistryClient;
  /** Who deploys, as a second run will read it in "held by ...". */
  holder: string;
  /** The config file, named in messages about the environment's settings. */
  configFile: string;
  progress: ProgressSink;
  now?: () => Date;
}

export interface DeployResult {
  environment: string;
  /** deployed: the environment runs the lock; proposed: a pull request deploys it when merged. */
  outcome: 'deployed' | 'proposed';
  /** The proposal when the outcome is proposed. */
  proposal: ProposedChange | null;
  /** The GitOps controller's view once deployed (Argo CD: Synced and Healthy at the commit), for the run report. */
  controller: LiveState['controller'] | null;
  lockId: string;
  integrity: string;
  /** What ran before: the recorded lock's integrity, or null when none was recorded. */
  previousIntegrity: string | null;
  services: Array<{ service: string; image: string }>;
  migrated: boolean;
  tookOverStaleLease: Lease | null;
  durationMs: number;
}

export function desiredFromLock(lock: ReleaseLock): DesiredState {
  const images: Record<string, string> = {};
  for (const [service, locked] of Object.entries(lock.services)) images[service] = `${locked.image}@${locked.digest}`;
  return { lock, images };
}

/**
 * Deploys a lock to an environment so that it ends either fully on the new lock or back where it was:
 * verify (registry, pinning), health gate, lease, record what runs, migrate, roll out, check, and on
 * any failure after the rollout started, restore what was recorded. The lease is always released.
 */
export async function deployLock(input: DeployInput): Promise<DeployResult> {
  const started = performance.now();
  const now = input.now ?? (() => new Date());
  const { target, lock, progress, environment } = input;
  const id = lockId(lock);
  const desired = desiredFromLock(lock);

  const migration = input.config.migration ? resolveMigration(input, desired) : null;
  progress(`verifying lock ${id} (${Object.keys(lock.services).length} digests in the registry) and the health of ${environment}`);
  // All three only read, so they run at once; their failures are still reported in this order.
  const [verified, pinned, gate] = await Promise.allSettled([
    verifyDigests(lock, input.registry),
    input.config.protected ? refuseMutable(input, desired) : Promise.resolve(),
    runHealthGate({ environment, target, health: input.config.health }),
  ]);
  if (verified.status === 'rejected') throw verified.reason;
  if (pinned.status === 'rejected') throw pinned.reason;
  if (gate.status === 'rejected') throw gate.reason;
  const health = gate.value;
  if (!health.healthy) {
    const failed = health.checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`);
    throw new LockstepError('UNHEALTHY', `${environment} is unhealthy; nothing was deployed`, {
      details: failed,
      hint: `lockstep health --env ${environment} shows every check`,
    });
  }

  const lease = await target.acquireLease(input.holder, input.config.lease.ttlMs, now());
  if (!lease.acquired) {
    throw new LockstepError('LEASE_HELD', `${environment} is being deployed by ${describeLease(lease.heldBy, now())}`, {
      hint: 'wait for that run to finish; a lease left by a killed run expires by itself',
    });
  }
  if (lease.tookOverStale) progress(`took over a stale lease of ${describeLease(lease.tookOverStale, now())}`);

  let previous: LiveState | null = null;
  let proposal: ProposedChange | null = null;
  let controller: LiveState['controller'] | null = null;
  try {
    previous = await target.readLive();
    progress(`${environment} runs ${describeLive(previous)}`);
    await target.prepare?.(desired, progress);
    if (migration) {
      await target.runMigration!(migration, progress);
      progress('migration done');
    }
    try {
      progress(`rolling out lock ${id} to ${target.describe?.() ?? environment}`);
      proposal = (await target.apply(desired, progress)) ?? null;
      // A proposal changed nothing yet: there is nothing to confirm, and nothing to restore.
      if (!proposal) controller = (await confirmLive(target, desired)).controller ?? null;
    } catch (failure) {
      await restoreAfter(input, previous, failure);
    }
  } finally {
    await target.releaseLease(input.holder).catch((error: unknown) => progress(`could not release the lease: ${(error as Error).message}`));
  }
  progress(proposal ? `lock ${id} is proposed for ${environment} in ${proposal.where}; it deploys when merged` : `${environment} runs lock ${id}`);
  return {
    environment,
    outcome: proposal ? 'proposed' : 'deployed',
    proposal,
    controller,
    lockId: id,
    integrity: lock.integrity,
    previousIntegrity: previous?.lockIntegrity ?? null,
    services: Object.entries(desired.images)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([service, image]) => ({ service, image })),
    migrated: migration !== null,
    tookOverStaleLease: lease.tookOverStale ?? null,
    durationMs: performance.now() - started,
  };
}

async function verifyDigests(lock: ReleaseLock, registry: RegistryClient): Promise<void> {
  const { missing } = await verifyLockDigests(lock, registry);
  if (missing.length > 0) {
    throw new LockstepError('NOT_FOUND', `${missing.length} digest(s) of lock ${lockId(lock)} are not in the registry; nothing was deployed`, {
      details: missing.map((entry) => `${entry.service}: ${entry.image}@${entry.digest}`),
    });
  }
}

async function refuseMutable(input: DeployInput, desired: DesiredState): Promise<void> {
  const mutable = (await input.target.mutableReferences?.(desired)) ?? [];
  if (mutable.length > 0) {
    throw new LockstepError('POLICY_VIOLATION', `${input.environment} is protected and would run images not pinned by digest; nothing was deployed`, {
      details: mutable,
      hint: 'pin them as repository@sha256:..., or put the services in the lock',
    });
  }
}

function resolveMigration(input: DeployInput, desired: DesiredState): MigrationRun {
  const migration = input.config.migration!;
  const field = `environments.${input.environment}.migration`;
  if (!input.target.runMigration) throw new InputError(input.configFile, field, `the ${input.target.kind} target cannot run migrations`);
  const inLock = migration.dependsOn.filter((service) => service in desired.images);
  if (inLock.length > 0) {
    throw new InputError(input.configFile, `${field}.dependsOn`, `names ${inLock.join(', ')}, which the lock rolls out; the migration runs before the rollout`);
  }
  let image = migration.image;
  if (migration.service !== undefined) {
    image = desired.images[migration.service];
    if (image === undefined) throw new InputError(input.configFile, `${field}.service`, `${migration.service} is not in lock ${lockId(desired.lock)}`);
  }
  return { image: image!, command: migration.command, env: migration.env, passEnv: migration.passEnv, dependsOn: migration.dependsOn, timeoutMs: migration.timeoutMs };
}

/** After the rollout, what runs must be exactly the lock: every digest, every label. */
async function confirmLive(target: DeployTarget, desired: DesiredState): Promise<LiveState> {
  const live = await target.readLive();
  const wrong = Object.entries(desired.lock.services)
    .filter(([service, locked]) => live.services[service]?.digest !== locked.digest)
    .map(([service, locked]) => `${service}: runs ${live.services[service]?.image ?? 'nothing'}, expected ${locked.digest}`);
  if (live.lockIntegrity !== desired.lock.integrity) wrong.push(`the environment records lock ${live.lockIntegrity ?? 'none'}`);
  if (wrong.length > 0) throw new LockstepError('DEPLOY_FAILED', 'the rollout finished but the environment does not run the lock', { details: wrong });
  return live;
}

async function restoreAfter(input: DeployInput, previous: LiveState, failure: unknown): Promise<never> {
  const { target, progress, environment } = input;
  const reason = failure instanceof Error ? failure.message : String(failure);
  const reasonDetails = failure instanceof LockstepError ? failure.details : [];
  // From the moment the failure was certain (the target says when; else now, when it reached us).
  const certainAt = failure instanceof RolloutFailed ? failure.certainAt : Date.now();
  progress(`rollout failed (${reason}); restoring what ran before: ${describeLive(previous)}`);
  try {
    if (target.restore) await target.restore(previous, Object.keys(input.lock.services), progress);
    else if (previous.lock) await target.apply(desiredFromLock(previous.lock), progress);
    else throw new LockstepError('DEPLOY_FAILED', `the ${target.kind} target can only restore a recorded lock, and none was recorded`);
  } catch (restoreFailure) {
    const restoreReason = restoreFailure instanceof Error ? restoreFailure.message : String(restoreFailure);
    throw new LockstepError('DEPLOY_FAILED', `deploy of lock ${lockId(input.lock)} to ${environment} failed, and so did restoring what ran before`, {
      details: [`rollout: ${reason}`, ...reasonDetails.map((line) => `  ${line}`), `restore: ${restoreReason}`],
      hint: `the environment may run a mix: see lockstep status --env ${environment}`,
      cause: restoreFailure,
    });
  }
  const restored = `restored ${formatDuration(Date.now() - certainAt)} after the failure was certain`;
  progress(restored);
  throw new LockstepError('ROLLED_BACK', `deploy of lock ${lockId(input.lock)} to ${environment} failed and was rolled back to ${describeLive(previous)}`, {
    details: [reason, ...reasonDetails, restored],
    cause: failure,
  });
}

export function describeLive(live: LiveState): string {
  if (live.lock) return `lock ${lockId(live.lock)}`;
  const count = Object.keys(live.services).length;
  return count === 0 ? 'nothing' : `${count} service${count === 1 ? '' : 's'} without a recorded lock`;
}
