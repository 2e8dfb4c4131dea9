import type { Cluster, ContainerInstance, Service, TaskDefinition } from '@aws-sdk/client-ecs';
import { isSteady, serviceState } from './rollout.js';

/** The ECS health-gate checks as pure functions of what the API returned. */

export interface Verdict {
  ok: boolean;
  detail: string;
}

export function evaluateCluster(cluster: Cluster | null, name: string): Verdict {
  if (!cluster) return { ok: false, detail: `no cluster ${name}` };
  const detail = `${cluster.clusterName ?? name} is ${cluster.status ?? 'of unknown status'}: ${cluster.activeServicesCount ?? 0} services, ${cluster.runningTasksCount ?? 0} tasks running, ${cluster.registeredContainerInstancesCount ?? 0} container instances`;
  return { ok: cluster.status === 'ACTIVE', detail };
}

export function evaluateServices(names: readonly string[], found: ReadonlyMap<string, Service>): Verdict {
  const problems = names.flatMap((name) => {
    const service = found.get(name);
    if (!service) return [`${name}: no such service`];
    if (service.deploymentController?.type && service.deploymentController.type !== 'ECS') {
      return [`${name}: deployed by ${service.deploymentController.type}, not the ECS rolling update lockstep drives`];
    }
    return isSteady(service) ? [] : [`${name}: ${serviceState(service)}`];
  });
  if (problems.length > 0) return { ok: false, detail: problems.join('; ') };
  // Not a failure, but worth saying: without the breaker a deployment that never gets healthy is only caught at the timeout.
  const unguarded = names.filter((name) => found.get(name)?.deploymentConfiguration?.deploymentCircuitBreaker?.enable !== true);
  const note = unguarded.length > 0 ? ` (deployment circuit breaker off for ${unguarded.join(', ')}: a failing deployment is only caught at rolloutTimeoutMs)` : '';
  return { ok: true, detail: `${names.length} service${names.length === 1 ? '' : 's'} steady${note}` };
}

export interface TaskNeed {
  cpu: number;
  memory: number;
}

/** What one task of a revision reserves: the task-level size, else the sum over its containers. */
export function taskNeed(taskDefinition: TaskDefinition): TaskNeed {
  const containers = taskDefinition.containerDefinitions ?? [];
  const cpu = Number.parseInt(taskDefinition.cpu ?? '', 10);
  const memory = Number.parseInt(taskDefinition.memory ?? '', 10);
  return {
    cpu: Number.isNaN(cpu) ? containers.reduce((sum, container) => sum + (container.cpu ?? 0), 0) : cpu,
    memory: Number.isNaN(memory) ? containers.reduce((sum, container) => sum + (container.memory ?? container.memoryReservation ?? 0), 0) : memory,
  };
}

/**
 * Room for the rollout. Fargate and capacity providers bring their own capacity; a service on the EC2
 * launch type whose deployment keeps every old task running (minimumHealthyPercent >= 100) needs one
 * container instance with room for one more task before the rolling update can start.
 */
export function evaluateCapacity(services: readonly Service[], revisions: ReadonlyMap<string, TaskDefinition>, instances: readonly ContainerInstance[]): Verdict {
  const lines: string[] = [];
  const problems: string[] = [];
  const remaining = instances.map((instance) => ({
    cpu: resource(instance, 'CPU'),
    memory: resource(instance, 'MEMORY'),
  }));
  for (const service of services) {
    const name = service.serviceName ?? '?';
    const providers = (service.capacityProviderStrategy ?? []).map((item) => item.capacityProvider ?? '?');
    if (service.launchType === 'FARGATE' || (providers.length > 0 && providers.every((provider) => provider.startsWith('FARGATE')))) {
      lines.push(`${name}: Fargate`);
      continue;
    }
    if (providers.length > 0) {
      lines.push(`${name}: capacity provider ${providers.join(', ')}`);
      continue;
    }
    const revision = revisions.get(service.taskDefinition ?? '');
    if (!revision) {
      problems.push(`${name}: its task definition ${service.taskDefinition ?? '(none)'} could not be read`);
      continue;
    }
    const need = taskNeed(revision);
    if ((service.deploymentConfiguration?.minimumHealthyPercent ?? 100) < 100) {
      lines.push(`${name}: may replace tasks in place`);
      continue;
    }
    const fits = remaining.filter((room) => room.cpu >= need.cpu && room.memory >= need.memory).length;
    if (fits === 0) problems.push(`${name}: no container instance has ${need.cpu} CPU units and ${need.memory} MiB free for one more task (${instances.length} active instances)`);
    else lines.push(`${name}: ${fits} instance${fits === 1 ? '' : 's'} with room for ${need.cpu} CPU / ${need.memory} MiB`);
  }
  return problems.length === 0 ? { ok: true, detail: lines.join('; ') || 'no services' } : { ok: false, detail: problems.join('; ') };
}

function resource(instance: ContainerInstance, name: string): number {
  return instance.remainingResources?.find((item) => item.name === name)?.integerValue ?? 0;
}
