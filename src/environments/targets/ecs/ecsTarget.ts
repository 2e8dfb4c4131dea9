import { setTimeout as sleep } from 'node:timers/promises';
import type { ECSClientConfig, Service } from '@aws-sdk/client-ecs';
import type { EcsTargetConfig, HealthConfig } from '../../../config/environments.js';
import { LockstepError } from '../../../errors.js';
import { lockId } from '../../../lock/integrity.js';
import type { ReleaseLock } from '../../../lock/schema.js';
import { parseImageReference, pinnedDigestOf } from '../../../policy/imageReference.js';
import { shortDigest } from '../../../render/table.js';
import { timedCheck } from '../../health/timedCheck.js';
import { RolloutFailed, type CheckResult, type DeployTarget, type DesiredState, type LeaseResult, type LiveService, type LiveState, type ProgressSink } from '../../target.js';
import { EcsApi } from './ecsApi.js';
import { evaluateCapacity, evaluateCluster, evaluateServices } from './healthGate.js';
import { lockFromRecord, lockTags, nextRevision, recordFamilyName, recordRevision, tagKeys, tagValue, type TaskDefinitionWithTags } from './records.js';
import { assessRollout, isSteady, revisionName, serviceState, type RolloutAssessment } from './rollout.js';
import { acquireTagLease, releaseTagLease, type TagStore } from './tagLease.js';

/** One environment as the ECS target needs it; `EnvironmentConfig` plus the names around it. */
export interface EcsEnvironment {
  /** The environment name: names the lease claims and the record family. */
  name: string;
  target: Omit<EcsTargetConfig, 'type'>;
  health?: Pick<HealthConfig, 'timeoutMs'>;
  /** Every service of the system (lockstep.config.yaml `services`), so status covers those not yet deployed. */
  services: string[];
}

export interface EcsTargetDeps {
  /** Settings laid over the default chain's (tests point `endpoint` at a double). */
  client?: Partial<ECSClientConfig>;
  /** The longest wait between two polls of a deployment (they start at 0.5 s and double up to it). */
  pollIntervalMs?: number;
  /** The wait between writing a lease claim and reading the claims back (eventual consistency). */
  leaseSettleMs?: number;
}

interface Placement {
  service: string;
  ecsService: string;
  container: string;
}

/** A new deployment lockstep started, and the services it carries. */
interface Update {
  ecsService: string;
  taskDefinitionArn: string;
  services: string[];
}

/** Amazon ECS services in one cluster; each deploy is a new task definition revision per ECS service. */
export class EcsTarget implements DeployTarget {
  readonly kind = 'ecs' as const;
  readonly api: EcsApi;
  private readonly pollIntervalMs: number;
  private readonly leaseSettleMs: number;
  private readonly recordFamily: string;
  private clusterArn: string | undefined;

  constructor(
    private readonly environment: EcsEnvironment,
    deps: EcsTargetDeps = {},
  ) {
    const target = environment.target;
    this.api = new EcsApi(target.cluster, {
      ...(target.region ? { region: target.region } : {}),
      ...(target.profile ? { profile: target.profile } : {}),
      ...deps.client,
    });
    this.pollIntervalMs = deps.pollIntervalMs ?? 5_000;
    this.leaseSettleMs = deps.leaseSettleMs ?? 2_000;
    this.recordFamily = recordFamilyName(environment.name, target.recordFamily);
  }

  describe(): string {
    const region = this.environment.target.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    return `ecs cluster ${this.environment.target.cluster}${region ? ` in ${region}` : ''}`;
  }

  placement(service: string): Placement {
    const mapped = this.environment.target.services[service];
    return { service, ecsService: mapped?.service ?? service, container: mapped?.container ?? service };
  }

  async healthChecks(): Promise<CheckResult[]> {
    const placements = this.knownServices([]).map((service) => this.placement(service));
    const names = unique(placements.map((placement) => placement.ecsService));
    const [cluster, services] = await Promise.all([
      timedCheck('cluster', async () => evaluateCluster(await this.api.describeCluster(), this.environment.target.cluster)),
      timedCheck('services', async () => evaluateServices(names, await this.api.describeServices(names))),
    ]);
    const capacity = await timedCheck('capacity', async () => {
      const found = [...(await this.api.describeServices(names)).values()];
      const needsInstances = found.some((service) => service.launchType === 'EC2' || (service.launchType === undefined && (service.capacityProviderStrategy ?? []).length === 0));
      const [instances, revisions] = await Promise.all([
        needsInstances ? this.api.activeContainerInstances() : Promise.resolve([]),
        Promise.all(unique(found.map((service) => service.taskDefinition ?? '').filter(Boolean)).map((arn) => this.api.describeTaskDefinition(arn))),
      ]);
      const byArn = new Map(revisions.flatMap((revision) => (revision?.taskDefinition.taskDefinitionArn ? [[revision.taskDefinition.taskDefinitionArn, revision.taskDefinition] as const] : [])));
      return evaluateCapacity(found, byArn, instances);
    });
    return [cluster, services, capacity];
  }

  async readLive(): Promise<LiveState> {
    const record = await this.api.describeTaskDefinition(this.recordFamily);
    const lock = record ? lockFromRecord(record.taskDefinition) : null;
    const placements = this.knownServices(Object.keys(lock?.services ?? {})).map((service) => this.placement(service));
    const { services, revisions } = await this.readRunning(placements);
    const live = placements.map((placement): [string, LiveService] => {
      const service = services.get(placement.ecsService);
      const revision = service?.taskDefinition ? revisions.get(service.taskDefinition) : undefined;
      return [placement.service, liveService(placement, service, revision)];
    });
    return { lockIntegrity: lock?.integrity ?? null, lock, services: Object.fromEntries(live) };
  }

  async apply(desired: DesiredState, progress: ProgressSink): Promise<void> {
    const placements = Object.entries(desired.images)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([service, image]) => ({ ...this.placement(service), image }));
    const running = await this.preflight(placements);
    const id = lockId(desired.lock);
    const updates: Update[] = [];
    for (const [ecsService, group] of groupBy(placements)) {
      const { taskDefinition, revision } = running(ecsService);
      const images = Object.fromEntries(group.map((placement) => [placement.container, placement.image]));
      const unchanged = group.every((placement) => containerImage(revision, placement.container) === placement.image);
      if (unchanged) {
        if (tagValue(revision.tags, tagKeys.lockIntegrity) !== desired.lock.integrity) {
          // The images already run: only the label moves, so no new deployment replaces healthy tasks.
          await this.api.tag(taskDefinition, lockTags([], desired.lock));
        }
        progress(`${ecsService}: already runs ${group.map((placement) => shortImage(placement.image)).join(', ')}; recorded lock ${id}`);
        continue;
      }
      const registered = (await this.api.registerTaskDefinition(nextRevision(revision, images, desired.lock))).taskDefinitionArn;
      if (!registered) throw new LockstepError('AWS', `ECS registered a task definition for ${ecsService} but returned no ARN; nothing was deployed`);
      await this.api.updateService(ecsService, registered);
      updates.push({ ecsService, taskDefinitionArn: registered, services: group.map((placement) => placement.service) });
      progress(`${ecsService}: ${revisionName(taskDefinition)} -> ${revisionName(registered)} (${group.map((placement) => `${placement.container} ${shortImage(placement.image)}`).join(', ')})`);
    }
    await this.waitForRollouts(updates, progress);
    await this.writeRecord(desired.lock);
    progress(`recorded lock ${id} in task definition family ${this.recordFamily}`);
  }

  /**
   * Puts every ECS service back on the revision it ran before (its images and everything else exactly
   * as they were), waits for those deployments, then records the lock recorded before (or none).
   */
  async restore(previous: LiveState, services: string[], progress: ProgressSink): Promise<void> {
    const placements = services.sort().map((service) => this.placement(service));
    const targets = new Map<string, string>();
    for (const [ecsService, group] of groupBy(placements)) {
      const revision = group.map((placement) => previous.services[placement.service]?.revision).find((value) => value);
      if (revision) targets.set(ecsService, revision);
      else progress(`${ecsService}: nothing ran before; it is left as it is`);
    }
    const current = await this.api.describeServices([...targets.keys()]);
    const updates: Update[] = [];
    for (const [ecsService, revision] of targets) {
      const group = placements.filter((placement) => placement.ecsService === ecsService).map((placement) => placement.service);
      const service = current.get(ecsService);
      if (service?.taskDefinition === revision) {
        // The circuit breaker's rollback (when enabled) already went back: wait for it rather than start another.
        if (!isSteady(service)) updates.push({ ecsService, taskDefinitionArn: revision, services: group });
        progress(`${ecsService}: ECS already runs ${revisionName(revision)} again`);
      } else {
        await this.api.updateService(ecsService, revision);
        updates.push({ ecsService, taskDefinitionArn: revision, services: group });
        progress(`${ecsService}: restoring ${revisionName(revision)}`);
      }
      const before = previous.services[group[0]!]?.lockIntegrity ?? null;
      const now = await this.api.describeTaskDefinition(revision);
      if (now && tagValue(now.tags, tagKeys.lockIntegrity) !== before) await this.relabel(revision, before === null ? null : (previous.lock?.integrity === before ? previous.lock : { integrity: before }));
    }
    await this.waitForRollouts(updates, progress);
    if (previous.lock) await this.writeRecord(previous.lock);
    else await this.clearRecord();
    progress(previous.lock ? `recorded lock ${lockId(previous.lock)} again` : 'removed the lock record: none was recorded before');
  }

  /** Sidecars the lock does not cover still run in the new revisions: protected environments want them pinned too. */
  async mutableReferences(desired: DesiredState): Promise<string[]> {
    const placements = Object.keys(desired.images).map((service) => this.placement(service));
    const { services, revisions } = await this.readRunning(placements);
    const found: string[] = [];
    for (const [ecsService, group] of groupBy(placements)) {
      const revision = revisions.get(services.get(ecsService)?.taskDefinition ?? '');
      const ours = new Set(group.map((placement) => placement.container));
      for (const container of revision?.taskDefinition.containerDefinitions ?? []) {
        if (container.name && !ours.has(container.name) && !pinnedDigestOf(container.image ?? '')) found.push(`ecs service ${ecsService} container ${container.name}: ${container.image ?? '(no image)'}`);
      }
    }
    return found;
  }

  async acquireLease(holder: string, ttlMs: number, now: Date = new Date()): Promise<LeaseResult> {
    return acquireTagLease(await this.leaseStore(), { environment: this.environment.name, settleMs: this.leaseSettleMs, attempts: 5, pendingTtlMs: 60_000 }, holder, ttlMs, now);
  }

  async releaseLease(holder: string): Promise<void> {
    await releaseTagLease(await this.leaseStore(), this.environment.name, holder);
  }

  private async leaseStore(): Promise<TagStore> {
    if (this.clusterArn === undefined) {
      const cluster = await this.api.describeCluster();
      if (!cluster?.clusterArn) throw new LockstepError('AWS', `no ECS cluster ${this.environment.target.cluster}: the lease is kept in its tags`);
      this.clusterArn = cluster.clusterArn;
    }
    const arn = this.clusterArn;
    return { list: () => this.api.listTags(arn), put: (tags) => this.api.tag(arn, tags), remove: (keys) => this.api.untag(arn, keys) };
  }

  private knownServices(extra: string[]): string[] {
    return unique([...this.environment.services, ...Object.keys(this.environment.target.services), ...extra]).sort();
  }

  private async readRunning(placements: Placement[]): Promise<{ services: Map<string, Service>; revisions: Map<string, TaskDefinitionWithTags> }> {
    const services = await this.api.describeServices(unique(placements.map((placement) => placement.ecsService)));
    const arns = unique([...services.values()].map((service) => service.taskDefinition ?? '').filter(Boolean));
    const read = await Promise.all(arns.map(async (arn) => [arn, await this.api.describeTaskDefinition(arn)] as const));
    return { services, revisions: new Map(read.flatMap(([arn, revision]) => (revision ? [[arn, revision] as const] : []))) };
  }

  /** Every service, controller and container must be there before the first registration: a typo must not leave half a rollout. */
  /** Checks every placement can be rolled out; returns, per ECS service, the task definition it runs. */
  private async preflight(placements: Placement[]): Promise<(ecsService: string) => { taskDefinition: string; revision: TaskDefinitionWithTags }> {
    const running = await this.readRunning(placements);
    const checked = new Map<string, { taskDefinition: string; revision: TaskDefinitionWithTags }>();
    const problems = placements.flatMap((placement) => {
      const service = running.services.get(placement.ecsService);
      if (!service || service.status !== 'ACTIVE') return [`${placement.service}: no active ECS service ${placement.ecsService} in cluster ${this.environment.target.cluster}`];
      const controller = service.deploymentController?.type ?? 'ECS';
      if (controller !== 'ECS') return [`${placement.service}: ECS service ${placement.ecsService} is deployed by ${controller}; lockstep drives the ECS rolling update only`];
      const taskDefinition = service.taskDefinition;
      const revision = running.revisions.get(taskDefinition ?? '');
      if (!taskDefinition || !revision) return [`${placement.service}: the task definition ${taskDefinition ?? '(none)'} of ${placement.ecsService} could not be read`];
      if (containerImage(revision, placement.container) === undefined) {
        const names = (revision.taskDefinition.containerDefinitions ?? []).map((container) => container.name).join(', ');
        return [`${placement.service}: ${revisionName(taskDefinition)} has no container ${placement.container} (it has ${names || 'none'})`];
      }
      checked.set(placement.ecsService, { taskDefinition, revision });
      return [];
    });
    if (problems.length > 0) {
      throw new LockstepError('AWS', `${problems.length} service${problems.length === 1 ? '' : 's'} cannot be rolled out in ECS cluster ${this.environment.target.cluster}; nothing was changed`, {
        details: problems,
        hint: `map services to ECS services and containers under environments.${this.environment.name}.target.services`,
      });
    }
    return (ecsService) => {
      const found = checked.get(ecsService);
      if (!found) throw new Error(`preflight did not check ${ecsService}`);
      return found;
    };
  }

  /** Polls until every deployment completed; stops at the first one ECS failed (the circuit breaker), or at the timeout. */
  private async waitForRollouts(updates: Update[], progress: ProgressSink): Promise<void> {
    if (updates.length === 0) return;
    const deadline = Date.now() + this.environment.target.rolloutTimeoutMs;
    const said = new Map<string, string>();
    // Early polls are close together: a deployment that fails at once (an image that cannot start) is
    // seen within a second or two; a long rollout then costs one DescribeServices per pollIntervalMs.
    let interval = Math.min(500, this.pollIntervalMs);
    for (;;) {
      const found = await this.api.describeServices(updates.map((update) => update.ecsService));
      const readAt = Date.now();
      const states = updates.map((update) => ({ update, assessment: assessRollout(found.get(update.ecsService), update.taskDefinitionArn) as RolloutAssessment }));
      for (const { update, assessment } of states) {
        const line = `${update.ecsService}: ${assessment.state === 'complete' ? 'rolled out' : assessment.state}, ${assessment.detail}`;
        if (said.get(update.ecsService) !== line) progress(line);
        said.set(update.ecsService, line);
      }
      const failed = states.filter(({ assessment }) => assessment.state === 'failed');
      if (failed.length > 0) {
        // Certain as of this read: rolloutState FAILED is final, so the restore starts now, not at the deadline.
        throw new RolloutFailed(`the ECS deployment of ${failed.flatMap(({ update }) => update.services).join(', ')} failed`, readAt, [
          ...failed.map(({ update, assessment }) => `${update.ecsService} ${revisionName(update.taskDefinitionArn)}: ${assessment.detail}`),
          `the service events (aws ecs describe-services --cluster ${this.environment.target.cluster}) say why tasks stopped`,
        ]);
      }
      const waiting = states.filter(({ assessment }) => assessment.state !== 'complete');
      if (waiting.length === 0) return;
      if (Date.now() >= deadline) {
        throw new LockstepError('DEPLOY_FAILED', `ECS deployments not complete within ${this.environment.target.rolloutTimeoutMs} ms`, {
          details: waiting.map(({ update, assessment }) => `${update.ecsService} ${revisionName(update.taskDefinitionArn)}: ${assessment.detail}`),
          hint: 'enable the deployment circuit breaker on the services so that ECS itself fails a deployment whose tasks never become healthy',
        });
      }
      await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
      interval = Math.min(this.pollIntervalMs, interval * 2);
    }
  }

  private async relabel(taskDefinitionArn: string, lock: Pick<ReleaseLock, 'integrity'> | null): Promise<void> {
    if (lock) await this.api.tag(taskDefinitionArn, lockTags([], lock));
    else await this.api.untag(taskDefinitionArn, [tagKeys.lockIntegrity, tagKeys.lockId]);
  }

  private async writeRecord(lock: ReleaseLock): Promise<void> {
    const current = await this.api.describeTaskDefinition(this.recordFamily);
    if (current && tagValue(current.tags, tagKeys.lockIntegrity) === lock.integrity) return;
    await this.api.registerTaskDefinition(recordRevision(this.recordFamily, this.environment.name, lock));
  }

  /** Deregisters the record's active revisions, so the environment records no lock again. */
  private async clearRecord(): Promise<void> {
    for (const arn of await this.api.listActiveRevisions(this.recordFamily)) await this.api.deregisterTaskDefinition(arn);
  }
}

export function createEcsTarget(environment: EcsEnvironment, deps: EcsTargetDeps = {}): EcsTarget {
  return new EcsTarget(environment, deps);
}

function liveService(placement: Placement, service: Service | undefined, revision: TaskDefinitionWithTags | undefined): LiveService {
  const image = revision ? containerImage(revision, placement.container) : undefined;
  if (!service || service.status !== 'ACTIVE' || image === undefined) {
    return { image: null, digest: null, healthy: false, lockIntegrity: null, state: 'missing', revision: null };
  }
  return {
    image,
    digest: pinnedDigestOf(image),
    healthy: isSteady(service),
    lockIntegrity: tagValue(revision!.tags, tagKeys.lockIntegrity),
    state: serviceState(service),
    revision: service.taskDefinition ?? null,
  };
}

function containerImage(revision: TaskDefinitionWithTags, container: string): string | undefined {
  const found = revision.taskDefinition.containerDefinitions?.find((definition) => definition.name === container);
  return found ? (found.image ?? '') : undefined;
}

function groupBy<P extends Placement>(placements: P[]): Map<string, P[]> {
  const groups = new Map<string, P[]>();
  for (const placement of placements) groups.set(placement.ecsService, [...(groups.get(placement.ecsService) ?? []), placement]);
  return groups;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** `repository@sha256:1234567890ab` for progress lines. */
function shortImage(image: string): string {
  const { repository, digest } = parseImageReference(image);
  return digest ? `${repository}@${shortDigest(digest)}` : image;
}
