import type { Deployment, Service } from '@aws-sdk/client-ecs';

/**
 * Where an ECS deployment stands, read from DescribeServices alone. `failed` is certain: the
 * deployment circuit breaker (or a stop) set rolloutState FAILED, or the deployment is gone, so the
 * caller stops waiting at once instead of running into its own timeout.
 */
export type RolloutAssessment = { state: 'complete' | 'in-progress' | 'failed'; detail: string };

export function assessRollout(service: Service | undefined, taskDefinitionArn: string): RolloutAssessment {
  if (!service) return { state: 'failed', detail: 'the service was deleted' };
  if (service.status !== 'ACTIVE') return { state: 'failed', detail: `the service is ${service.status ?? 'not active'}` };
  const ours = newestFor(service.deployments ?? [], taskDefinitionArn);
  if (!ours) return { state: 'failed', detail: `no deployment runs ${revisionName(taskDefinitionArn)} any more` };
  const counts = `${ours.runningCount ?? 0}/${ours.desiredCount ?? 0} tasks running${ours.failedTasks ? `, ${ours.failedTasks} failed` : ''}`;
  if (ours.rolloutState === 'FAILED') return { state: 'failed', detail: `rollout FAILED: ${ours.rolloutStateReason ?? 'no reason given'} (${counts})` };
  if (ours.status !== 'PRIMARY') {
    // The circuit breaker's own rollback makes another deployment primary before ours reads FAILED.
    return { state: 'failed', detail: `${revisionName(taskDefinitionArn)} was replaced by another deployment (${counts})` };
  }
  if (isSteady(service)) return { state: 'complete', detail: counts };
  return { state: 'in-progress', detail: `${ours.rolloutState ?? 'IN_PROGRESS'}, ${counts}` };
}

/**
 * Steady: one deployment, primary, done rolling out, with every desired task running. rolloutState is
 * absent only on services the rolling-update controller does not drive; the counts decide there.
 */
export function isSteady(service: Service): boolean {
  const deployments = service.deployments ?? [];
  const primary = deployments[0];
  if (service.status !== 'ACTIVE' || deployments.length !== 1 || primary?.status !== 'PRIMARY') return false;
  if (primary.rolloutState !== undefined && primary.rolloutState !== 'COMPLETED') return false;
  return (primary.runningCount ?? 0) === (primary.desiredCount ?? 0) && (service.runningCount ?? 0) === (service.desiredCount ?? 0);
}

/** A word for `status`: steady, rolling out, failed, or the service's own status. */
export function serviceState(service: Service): string {
  if (service.status !== 'ACTIVE') return (service.status ?? 'missing').toLowerCase();
  if (isSteady(service)) return 'steady';
  const primary = service.deployments?.find((deployment) => deployment.status === 'PRIMARY');
  if (primary?.rolloutState === 'FAILED') return 'rollout failed';
  return `rolling out (${service.runningCount ?? 0}/${service.desiredCount ?? 0})`;
}

/** `family:revision` from a task definition ARN, for people. */
export function revisionName(taskDefinitionArn: string): string {
  return taskDefinitionArn.slice(taskDefinitionArn.lastIndexOf('/') + 1);
}

function newestFor(deployments: Deployment[], taskDefinitionArn: string): Deployment | undefined {
  return deployments
    .filter((deployment) => deployment.taskDefinition === taskDefinitionArn)
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))[0];
}
