/**
 * Whether a Deployment has finished rolling out, judged from its status the way `kubectl rollout status`
 * judges it: the controller must have observed the latest generation, every replica must run the new
 * template and be available, and a Progressing condition with ProgressDeadlineExceeded is a failure.
 */

export interface DeploymentLike {
  metadata?: { name?: string; generation?: number };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string; lastUpdateTime?: Date | string }>;
  };
}

export type RolloutState = 'complete' | 'progressing' | 'failed';

export interface RolloutAssessment {
  state: RolloutState;
  /** One line for people: what is being waited for, or why it failed. */
  detail: string;
}

/**
 * `since` (epoch ms) is when lockstep patched the template, `currentReplicaSet` the ReplicaSet of the
 * template now: a ProgressDeadlineExceeded written before that, or about another ReplicaSet, belongs to
 * an earlier rollout. The controller keeps it on a rollback onto an old ReplicaSet
 * until it sees progress, so a restore would otherwise be judged failed though it is healthy.
 */
export function assessRollout(deployment: DeploymentLike, since?: number, currentReplicaSet?: string): RolloutAssessment {
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  if ((status.observedGeneration ?? 0) < generation) {
    return { state: 'progressing', detail: `waiting for the controller to observe generation ${generation}` };
  }
  const progressing = status.conditions?.find((condition) => condition.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded' && !olderThan(progressing.lastUpdateTime, since) && !aboutOther(progressing.message, currentReplicaSet)) {
    return { state: 'failed', detail: `progress deadline exceeded${progressing.message ? `: ${progressing.message}` : ''}` };
  }
  const replicaFailure = status.conditions?.find((condition) => condition.type === 'ReplicaFailure' && condition.status === 'True');
  if (replicaFailure && !olderThan(replicaFailure.lastUpdateTime, since)) {
    // The ReplicaSet cannot create pods (a quota, a policy): no waiting makes them appear.
    return { state: 'failed', detail: `${replicaFailure.reason ?? 'ReplicaFailure'}: ${replicaFailure.message ?? 'pods cannot be created'}` };
  }
  const wanted = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const total = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < wanted) return { state: 'progressing', detail: `${updated} of ${wanted} replicas updated` };
  if (total > updated) return { state: 'progressing', detail: `${total - updated} old replica${total - updated === 1 ? '' : 's'} pending termination` };
  if (available < updated) return { state: 'progressing', detail: `${available} of ${updated} updated replicas available` };
  return { state: 'complete', detail: `${available} of ${wanted} replica${wanted === 1 ? '' : 's'} available` };
}

/** The controller names the ReplicaSet in the message (`ReplicaSet "x" has timed out progressing.`). */
function aboutOther(message: string | undefined, currentReplicaSet: string | undefined): boolean {
  if (!currentReplicaSet || !message) return false;
  const named = /ReplicaSet "([^"]+)"/.exec(message)?.[1];
  return named !== undefined && named !== currentReplicaSet;
}

/** Condition times have one-second resolution: older means before the second `since` falls in. */
function olderThan(when: Date | string | undefined, since: number | undefined): boolean {
  if (since === undefined || when === undefined) return false;
  const at = typeof when === 'string' ? Date.parse(when) : when.getTime();
  return Number.isFinite(at) && at < Math.floor(since / 1000) * 1000;
}

/** Waiting reasons the kubelet gives only when the pod cannot start as it is: no amount of waiting helps. */
const certainReasons = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CrashLoopBackOff', 'CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);

export interface PodLike {
  metadata?: { name?: string };
  status?: {
    containerStatuses?: Array<{ name: string; restartCount?: number; state?: { waiting?: { reason?: string; message?: string } } }>;
    initContainerStatuses?: Array<{ name: string; restartCount?: number; state?: { waiting?: { reason?: string; message?: string } } }>;
  };
}

/** The first certain failure among pods, worded with the pod's own reason and message; null when none. */
export function podFailureOf(pods: PodLike[]): { pod: string; detail: string } | null {
  for (const pod of pods) {
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const container of statuses) {
      const waiting = container.state?.waiting;
      if (waiting?.reason && certainReasons.has(waiting.reason)) {
        const restarts = container.restartCount ? ` after ${container.restartCount} restart${container.restartCount === 1 ? '' : 's'}` : '';
        return { pod: pod.metadata?.name ?? '?', detail: `pod ${pod.metadata?.name ?? '?'} container ${container.name}: ${waiting.reason}${restarts}${waiting.message ? `: ${waiting.message}` : ''}` };
      }
    }
  }
  return null;
}

export interface DeploymentMarks {
  metadata?: {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: Array<{ manager?: string; operation?: string }>;
  };
  spec?: { paused?: boolean };
}

const gitopsManagers: Array<{ name: string; test: (deployment: DeploymentMarks) => string | null }> = [
  {
    name: 'Argo CD',
    test: (deployment) => {
      const tracking = deployment.metadata?.annotations?.['argocd.argoproj.io/tracking-id'];
      if (tracking) return `application ${tracking.split(':')[0]}`;
      const instance = deployment.metadata?.labels?.['argocd.argoproj.io/instance'];
      if (instance) return `application ${instance}`;
      return deployment.metadata?.managedFields?.some((entry) => entry.manager === 'argocd-controller' || entry.manager === 'argocd-application-controller') ? 'its field manager' : null;
    },
  },
  {
    name: 'Flux',
    test: (deployment) => {
      const labels = deployment.metadata?.labels ?? {};
      const kustomization = labels['kustomize.toolkit.fluxcd.io/name'];
      if (kustomization) return `kustomization ${labels['kustomize.toolkit.fluxcd.io/namespace'] ?? ''}/${kustomization}`.replace(' /', ' ');
      const release = labels['helm.toolkit.fluxcd.io/name'];
      if (release) return `helm release ${labels['helm.toolkit.fluxcd.io/namespace'] ?? ''}/${release}`.replace(' /', ' ');
      return deployment.metadata?.managedFields?.some((entry) => entry.manager === 'kustomize-controller' || entry.manager === 'helm-controller') ? 'its field manager' : null;
    },
  },
];

/**
 * Why lockstep must not patch this Deployment, with the way out; null when it may. A paused Deployment
 * never rolls out (the wait would last the whole timeout); one a GitOps controller owns is put back by
 * it (self-heal), so the patch would be undone behind lockstep's back.
 */
export function rolloutRefusal(deployment: DeploymentMarks): { reason: string; wayOut: string } | null {
  const name = deployment.metadata?.name ?? '?';
  if (deployment.spec?.paused) {
    return { reason: 'is paused, so it would not roll out', wayOut: `resume it (kubectl rollout resume deployment/${name}) and deploy again` };
  }
  for (const manager of gitopsManagers) {
    const by = manager.test(deployment);
    if (by) {
      return {
        reason: `is managed by ${manager.name} (${by}), which would revert the patch`,
        wayOut: `deploy it through its GitOps repository (a helm-values environment), or take it out of ${manager.name} first`,
      };
    }
  }
  return null;
}
