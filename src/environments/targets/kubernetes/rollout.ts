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
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

export type RolloutState = 'complete' | 'progressing' | 'failed';

export interface RolloutAssessment {
  state: RolloutState;
  /** One line for people: what is being waited for, or why it failed. */
  detail: string;
}

export function assessRollout(deployment: DeploymentLike): RolloutAssessment {
  const generation = deployment.metadata?.generation ?? 0;
  const status = deployment.status ?? {};
  if ((status.observedGeneration ?? 0) < generation) {
    return { state: 'progressing', detail: `waiting for the controller to observe generation ${generation}` };
  }
  const progressing = status.conditions?.find((condition) => condition.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return { state: 'failed', detail: `progress deadline exceeded${progressing.message ? `: ${progressing.message}` : ''}` };
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
