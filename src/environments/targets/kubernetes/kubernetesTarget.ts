import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig, V1Container, V1Deployment, V1ReplicaSet } from '@kubernetes/client-node';
import type { HealthConfig, KubernetesTargetConfig } from '../../../config/environments.js';
import { LockstepError } from '../../../errors.js';
import { lockId } from '../../../lock/integrity.js';
import type { ReleaseLock } from '../../../lock/schema.js';
import { parseImageReference, pinnedDigestOf } from '../../../policy/imageReference.js';
import { decideLease, newLease } from '../../lease/decideLease.js';
import { RolloutFailed, type CheckResult, type DeployTarget, type DesiredState, type LeaseResult, type LiveService, type LiveState, type ProgressSink } from '../../target.js';
import { evaluateNodes, evaluateQuotas, type PodShape } from './healthGate.js';
import { KubeApi, KubeApiError, loadKubeConfig } from './kubeApi.js';
import { annotations, imagePatch, leaseFromObject, leaseName, leaseObject, lockConfigMap, lockConfigMapName, lockFromConfigMap } from './records.js';
import { assessRollout, podFailureOf, rolloutRefusal, type RolloutAssessment } from './rollout.js';

/** One environment as the kubernetes target needs it; `EnvironmentConfig` plus the names around it. */
export interface KubernetesEnvironment {
  /** The environment name: names the lease and the lock ConfigMap. */
  name: string;
  target: Omit<KubernetesTargetConfig, 'type'>;
  health?: Pick<HealthConfig, 'nodes' | 'quota' | 'timeoutMs'>;
  /** Every service of the system (lockstep.config.yaml `services`), so status covers those not yet deployed. */
  services: string[];
  /** The lockstep config file, named in errors about these settings. */
  configFile?: string;
  /** Where a relative kubeconfig path is resolved from (the config file's directory). */
  baseDir?: string;
}

export interface KubernetesTargetDeps {
  /** A ready KubeConfig (tests); otherwise it is loaded from the target's kubeconfig and context. */
  kubeConfig?: KubeConfig;
  /** How often a rollout is polled. */
  pollIntervalMs?: number;
  /** Timeout of one API request. */
  requestTimeoutMs?: number;
}

interface Placement {
  service: string;
  deployment: string;
  container: string;
}

/** An environment that is a Kubernetes namespace with one Deployment per service. */
export class KubernetesTarget implements DeployTarget {
  readonly kind = 'kubernetes' as const;
  readonly api: KubeApi;
  private readonly namespace: string;
  private readonly pollIntervalMs: number;

  constructor(
    private readonly environment: KubernetesEnvironment,
    deps: KubernetesTargetDeps = {},
  ) {
    const kubeConfig =
      deps.kubeConfig ??
      loadKubeConfig(environment.target, {
        configFile: environment.configFile ?? 'lockstep.config.yaml',
        field: `environments.${environment.name}.target`,
        baseDir: environment.baseDir ?? process.cwd(),
      });
    this.api = new KubeApi(kubeConfig, { timeoutMs: deps.requestTimeoutMs ?? 30_000, healthTimeoutMs: environment.health?.timeoutMs ?? 5_000 });
    this.namespace = environment.target.namespace;
    this.pollIntervalMs = deps.pollIntervalMs ?? 2_000;
  }

  describe(): string {
    return `kubernetes namespace ${this.namespace} (context ${this.api.context || '(current)'} at ${this.api.server})`;
  }

  placement(service: string): Placement {
    const mapped = this.environment.target.services[service];
    return { service, deployment: mapped?.deployment ?? service, container: mapped?.container ?? service };
  }

  async healthChecks(): Promise<CheckResult[]> {
    const checks: CheckResult[] = [await this.check('kubernetes API', async () => {
      const ready = await this.api.readyz();
      return { ok: ready, detail: ready ? `${this.api.server}/readyz answers ok` : `${this.api.server}/readyz reports not ready` };
    })];
    const nodes = this.environment.health?.nodes;
    if (nodes) checks.push(await this.check('nodes', async () => evaluateNodes(await this.api.listNodes(), nodes.minReady)));
    const quota = this.environment.health?.quota;
    if (quota) {
      checks.push(
        await this.check('quota', async () => {
          const deployments = await Promise.all(this.knownServices([]).map((service) => this.api.readDeployment(this.namespace, this.placement(service).deployment)));
          const pods = deployments.filter((deployment): deployment is V1Deployment => deployment !== null).map(podShape);
          return evaluateQuotas(await this.api.listResourceQuotas(this.namespace), quota.minHeadroomPercent, this.namespace, pods);
        }),
      );
    }
    checks.push(await this.check('deployments', async () => {
      const services = this.knownServices([]);
      const found = await Promise.all(services.map(async (service) => ({ placement: this.placement(service), deployment: await this.api.readDeployment(this.namespace, this.placement(service).deployment) })));
      const problems = found.flatMap(({ placement, deployment }) => placementProblem(placement, deployment, this.namespace) ?? []);
      return problems.length === 0
        ? { ok: true, detail: `${services.length} deployment${services.length === 1 ? '' : 's'} found in ${this.namespace}` }
        : { ok: false, detail: problems.join('; ') };
    }));
    return checks;
  }

  async readLive(): Promise<LiveState> {
    const record = await this.api.readConfigMap(this.namespace, lockConfigMapName(this.environment.name));
    const lock = record ? lockFromConfigMap(record) : null;
    const services = this.knownServices(Object.keys(lock?.services ?? {}));
    const live = await Promise.all(
      services.map(async (service): Promise<[string, LiveService]> => {
        const placement = this.placement(service);
        return [service, liveService(placement, await this.api.readDeployment(this.namespace, placement.deployment))];
      }),
    );
    return { lockIntegrity: lock?.integrity ?? null, lock, services: Object.fromEntries(live) };
  }

  async apply(desired: DesiredState, progress: ProgressSink): Promise<void> {
    const placements = Object.entries(desired.images)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([service, image]) => ({ ...this.placement(service), image }));
    const current = await this.preflight(placements);
    const id = lockId(desired.lock);
    const since = Date.now();
    await Promise.all(
      current.map(async ({ placement, deployment }) => {
        const { image } = placement;
        const running = containerOf(deployment, placement.container)?.image;
        const recorded = deployment.metadata?.annotations?.[annotations.lockIntegrity];
        const inits = initContainersRunning(deployment, image);
        if (running === image && recorded === desired.lock.integrity && inits.length === 0) return;
        await this.api.patchDeployment(this.namespace, placement.deployment, imagePatch(placement.container, image, desired.lock.integrity, id, inits));
        if (inits.length > 0) progress(`${placement.service}: init container${inits.length === 1 ? '' : 's'} ${inits.join(', ')} run the same image; updated too`);
        progress(running === image ? `${placement.service}: already runs ${shortImage(image)}; recorded lock ${id}` : `${placement.service}: deployment/${placement.deployment} container ${placement.container} -> ${shortImage(image)}`);
      }),
    );
    await this.waitForRollouts(placements, progress, since);
    await this.writeRecord(desired.lock);
    progress(`recorded lock ${id} in configmap ${lockConfigMapName(this.environment.name)}`);
  }

  /**
   * Puts back the images that ran before (as they ran: a tag stays a tag, so drift comes back too) and
   * the lock annotation and record that went with them, then waits for those rollouts.
   */
  async restore(previous: LiveState, services: string[], progress: ProgressSink): Promise<void> {
    const placements = [...services]
      .sort()
      .flatMap((service) => {
        const image = previous.services[service]?.image;
        return image ? [{ ...this.placement(service), image, integrity: previous.services[service]?.lockIntegrity ?? null }] : [];
      });
    for (const service of services.filter((name) => !previous.services[name]?.image)) {
      progress(`${service}: nothing ran before; its deployment is left as it is`);
    }
    const since = Date.now();
    await Promise.all(
      placements.map(async (placement) => {
        const { image, integrity } = placement;
        const id = integrity && previous.lock?.integrity === integrity ? lockId(previous.lock) : null;
        await this.api.patchDeployment(this.namespace, placement.deployment, imagePatch(placement.container, image, integrity, id));
        progress(`${placement.service}: restoring ${shortImage(image)}`);
      }),
    );
    // Judged on its own rollout: conditions the failed rollout left on the old ReplicaSet do not count.
    await this.waitForRollouts(placements, progress, since);
    if (previous.lock) await this.writeRecord(previous.lock);
    else await this.api.deleteConfigMap(this.namespace, lockConfigMapName(this.environment.name));
    progress(previous.lock ? `recorded lock ${lockId(previous.lock)} again` : 'removed the lock record: none was recorded before');
  }

  /** Sidecars and init containers the lock does not cover still run: protected environments want them pinned too. */
  async mutableReferences(desired: DesiredState): Promise<string[]> {
    const found: string[] = [];
    for (const service of Object.keys(desired.images).sort()) {
      const placement = this.placement(service);
      const deployment = await this.api.readDeployment(this.namespace, placement.deployment);
      const spec = deployment?.spec?.template?.spec;
      const others: Array<[string, V1Container]> = [
        ...(spec?.containers ?? []).filter((container) => container.name !== placement.container).map((container): [string, V1Container] => ['container', container]),
        ...(spec?.initContainers ?? []).map((container): [string, V1Container] => ['init container', container]),
      ];
      for (const [what, container] of others) {
        if (!pinnedDigestOf(container.image ?? '')) found.push(`deployment/${placement.deployment} ${what} ${container.name}: ${container.image ?? '(no image)'}`);
      }
    }
    return found;
  }

  async acquireLease(holder: string, ttlMs: number, now: Date = new Date()): Promise<LeaseResult> {
    const name = leaseName(this.environment.name);
    // Create and replace are compare-and-swap on the server; losing a race means reading again.
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const object = await this.api.readLease(this.namespace, name);
      const existing = object ? leaseFromObject(object) : null;
      const decision = decideLease(existing, holder, now);
      if (decision.action === 'refuse') return { acquired: false, heldBy: decision.heldBy };
      const lease = newLease(holder, ttlMs, now);
      const transitions = (object?.spec?.leaseTransitions ?? 0) + (existing && existing.holder !== holder ? 1 : 0);
      try {
        const written = object
          ? await this.api.replaceLease(this.namespace, leaseObject(this.environment.name, this.namespace, lease, transitions, object.metadata?.resourceVersion))
          : await this.api.createLease(this.namespace, leaseObject(this.environment.name, this.namespace, lease, transitions));
        const stored = leaseFromObject(written) ?? lease;
        return decision.action === 'take-over' && decision.reason !== 'own' ? { acquired: true, lease: stored, tookOverStale: decision.stale } : { acquired: true, lease: stored };
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 409) continue;
        throw error;
      }
    }
    throw new LockstepError('CONFLICT', `the lease ${this.namespace}/${name} kept changing while it was being acquired`);
  }

  async releaseLease(holder: string): Promise<void> {
    const name = leaseName(this.environment.name);
    const object = await this.api.readLease(this.namespace, name);
    if (!object || object.spec?.holderIdentity !== holder) return;
    try {
      await this.api.deleteLease(this.namespace, name, object.metadata?.resourceVersion ?? '');
    } catch (error) {
      // Gone or taken over in between: either way it is no longer ours to release.
      if (error instanceof KubeApiError && (error.status === 404 || error.status === 409)) return;
      throw error;
    }
  }

  private knownServices(extra: string[]): string[] {
    return [...new Set([...this.environment.services, ...Object.keys(this.environment.target.services), ...extra])].sort();
  }

  /** The ReplicaSet of the Deployment's template now: the one carrying the Deployment's revision. */
  private async currentReplicaSet(deployment: V1Deployment): Promise<V1ReplicaSet | null> {
    const revision = deployment.metadata?.annotations?.['deployment.kubernetes.io/revision'];
    const selector = selectorOf(deployment);
    if (!revision || !selector) return null;
    return (await this.api.listReplicaSets(this.namespace, selector)).find((candidate) => candidate.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision) ?? null;
  }

  /** The first certain failure among the pods of that ReplicaSet, or null. */
  private async podFailure(deployment: V1Deployment, replicaSet: V1ReplicaSet): Promise<string | null> {
    const hash = replicaSet.metadata?.labels?.['pod-template-hash'];
    if (!hash) return null;
    const failure = podFailureOf(await this.api.listPods(this.namespace, `${selectorOf(deployment)},pod-template-hash=${hash}`));
    if (!failure) return null;
    // The kubelet's newest warning says why (an image not found, a registry refusing credentials).
    const events = await this.api.listEvents(this.namespace, `involvedObject.name=${failure.pod},type=Warning`).catch(() => []);
    const newest = events.sort((a, b) => String(a.lastTimestamp ?? '').localeCompare(String(b.lastTimestamp ?? ''))).at(-1);
    return newest?.message ? `${failure.detail} (${newest.reason ?? 'event'}: ${newest.message})` : failure.detail;
  }

  /** Every deployment and container must exist before the first patch: a typo must not leave half a rollout. */
  private async preflight<P extends Placement>(placements: P[]): Promise<Array<{ placement: P; deployment: V1Deployment }>> {
    const found = await Promise.all(placements.map(async (placement) => ({ placement, deployment: await this.api.readDeployment(this.namespace, placement.deployment) })));
    const problems = found.flatMap(({ placement, deployment }) => placementProblem(placement, deployment, this.namespace) ?? []);
    if (problems.length > 0) {
      throw new LockstepError('KUBERNETES', `${problems.length} service${problems.length === 1 ? '' : 's'} cannot be rolled out in namespace ${this.namespace}; nothing was changed`, {
        details: problems,
        hint: `map services to deployments and containers under environments.${this.environment.name}.target.services`,
      });
    }
    // Every deployment was found: a missing one is a placement problem above.
    const checked = found.flatMap(({ placement, deployment }) => (deployment ? [{ placement, deployment }] : []));
    const refusals = checked.flatMap(({ placement, deployment }) => {
      const refusal = rolloutRefusal(deployment);
      return refusal ? [{ placement, refusal }] : [];
    });
    if (refusals.length > 0) {
      throw new LockstepError('KUBERNETES', `${refusals.map(({ placement }) => `deployment/${placement.deployment}`).join(', ')} cannot be rolled out by lockstep; nothing was changed`, {
        details: refusals.map(({ placement, refusal }) => `deployment/${placement.deployment}: ${refusal.reason}`),
        hint: refusals.map(({ refusal }) => refusal.wayOut).filter((line, index, all) => all.indexOf(line) === index).join('; '),
      });
    }
    return checked;
  }

  /**
   * Waits for every rollout, reading the pods of the new ReplicaSet while it is not done: an image that
   * cannot be pulled, a container in a crash loop or pods a quota refuses end the wait at once with the
   * pod's own reason, instead of at the progress deadline or the timeout.
   */
  private async waitForRollouts(placements: Placement[], progress: ProgressSink, since: number): Promise<void> {
    if (placements.length === 0) return;
    const deadline = Date.now() + this.environment.target.rolloutTimeoutMs;
    const said = new Map<string, string>();
    for (;;) {
      const states = await Promise.all(
        placements.map(async (placement) => {
          const deployment = await this.api.readDeployment(this.namespace, placement.deployment);
          let assessment: RolloutAssessment = deployment ? assessRollout(deployment, since) : { state: 'failed', detail: 'the deployment was deleted' };
          if (deployment && assessment.state !== 'complete') {
            const replicaSet = await this.currentReplicaSet(deployment);
            assessment = assessRollout(deployment, since, replicaSet?.metadata?.name);
            const failure = assessment.state === 'progressing' && replicaSet ? await this.podFailure(deployment, replicaSet) : null;
            if (failure) assessment = { state: 'failed', detail: failure };
          }
          return { placement, assessment };
        }),
      );
      for (const { placement, assessment } of states) {
        const line = `${placement.service}: ${assessment.state === 'complete' ? 'rolled out' : assessment.state}, ${assessment.detail}`;
        if (said.get(placement.service) !== line) progress(line);
        said.set(placement.service, line);
      }
      const failed = states.filter(({ assessment }) => assessment.state === 'failed');
      if (failed.length > 0) {
        throw new RolloutFailed(
          `the rollout of ${failed.map(({ placement }) => placement.service).join(', ')} failed`,
          Date.now(),
          failed.map(({ placement, assessment }) => `deployment/${placement.deployment}: ${assessment.detail}`),
        );
      }
      const waiting = states.filter(({ assessment }) => assessment.state !== 'complete');
      if (waiting.length === 0) return;
      if (Date.now() >= deadline) {
        throw new LockstepError('DEPLOY_FAILED', `rollout not finished within ${this.environment.target.rolloutTimeoutMs} ms`, {
          details: waiting.map(({ placement, assessment }) => `deployment/${placement.deployment}: ${assessment.detail}`),
        });
      }
      await sleep(Math.min(this.pollIntervalMs, Math.max(0, deadline - Date.now())));
    }
  }

  private async writeRecord(lock: ReleaseLock): Promise<void> {
    const name = lockConfigMapName(this.environment.name);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const existing = await this.api.readConfigMap(this.namespace, name);
      try {
        if (existing) await this.api.replaceConfigMap(this.namespace, lockConfigMap(this.environment.name, this.namespace, lock, existing.metadata?.resourceVersion));
        else await this.api.createConfigMap(this.namespace, lockConfigMap(this.environment.name, this.namespace, lock));
        return;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 409)) throw error;
      }
    }
    throw new LockstepError('CONFLICT', `configmap ${this.namespace}/${name} kept changing while the lock was recorded`);
  }

  private async check(name: string, run: () => Promise<{ ok: boolean; detail: string }>): Promise<CheckResult> {
    const started = performance.now();
    try {
      return { name, ...(await run()), durationMs: performance.now() - started };
    } catch (error) {
      // The hint (RBAC verbs, an exec plugin to install) is what makes a failed check actionable.
      const hint = error instanceof LockstepError && error.hint ? ` (${error.hint})` : '';
      return { name, ok: false, detail: `${(error as Error).message}${hint}`, durationMs: performance.now() - started };
    }
  }
}

export function createKubernetesTarget(environment: KubernetesEnvironment, deps: KubernetesTargetDeps = {}): KubernetesTarget {
  return new KubernetesTarget(environment, deps);
}

function selectorOf(deployment: V1Deployment): string {
  return Object.entries(deployment.spec?.selector?.matchLabels ?? {})
    .map(([label, value]) => `${label}=${value}`)
    .join(',');
}

/** Init containers that run the same repository as the locked image: they must move with it. */
function initContainersRunning(deployment: V1Deployment, image: string): string[] {
  const repository = parseImageReference(image).repository;
  return (deployment.spec?.template?.spec?.initContainers ?? [])
    .filter((container) => container.image && container.image !== image && parseImageReference(container.image).repository === repository)
    .map((container) => container.name);
}

function containerOf(deployment: V1Deployment, name: string): V1Container | undefined {
  return deployment.spec?.template?.spec?.containers?.find((container) => container.name === name);
}

function placementProblem(placement: Placement, deployment: V1Deployment | null, namespace: string): string | null {
  if (!deployment) return `${placement.service}: no deployment ${placement.deployment} in namespace ${namespace}`;
  if (containerOf(deployment, placement.container)) return null;
  const names = (deployment.spec?.template?.spec?.containers ?? []).map((container) => container.name).join(', ');
  return `${placement.service}: deployment ${placement.deployment} has no container ${placement.container} (it has ${names || 'none'})`;
}

function liveService(placement: Placement, deployment: V1Deployment | null): LiveService {
  if (!deployment) return { image: null, digest: null, healthy: false, lockIntegrity: null, state: 'missing' };
  const image = containerOf(deployment, placement.container)?.image ?? null;
  if (image === null) return { image: null, digest: null, healthy: false, lockIntegrity: null, state: 'missing' };
  const rollout = assessRollout(deployment);
  return {
    image,
    digest: pinnedDigestOf(image),
    healthy: rollout.state === 'complete',
    lockIntegrity: deployment.metadata?.annotations?.[annotations.lockIntegrity] ?? null,
    state: rollout.state === 'complete' ? 'available' : rollout.state,
  };
}

/** The QoS and scope facts of a deployment's pods, for scoped quotas. */
function podShape(deployment: V1Deployment): PodShape {
  const spec = deployment.spec?.template?.spec;
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  const hasResources = containers.some((container) => Object.keys(container.resources?.requests ?? {}).length > 0 || Object.keys(container.resources?.limits ?? {}).length > 0);
  return { bestEffort: !hasResources, terminating: spec?.activeDeadlineSeconds !== undefined, priorityClassName: spec?.priorityClassName ?? null };
}

function shortImage(image: string): string {
  const { repository, tag, digest } = parseImageReference(image);
  return `${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest.slice(0, 19)}` : ''}`;
}
