import type { ContainerInfo } from './containers.js';

export interface RolloutAssessment {
  ready: string[];
  waiting: Array<{ service: string; why: string }>;
  failed: Array<{ service: string; why: string; container: string | null }>;
}

/**
 * Where a rollout stands: each expected service must run a container created from exactly the
 * expected reference, and be healthy (its healthcheck says so, or, without one, it has stayed up for
 * `settleMs`). A container that exited, restarts or turned unhealthy has failed: waiting longer cannot help.
 */
export function assessRollout(
  containers: readonly ContainerInfo[],
  expected: Record<string, string>,
  now: number,
  settleMs: number,
): RolloutAssessment {
  const assessment: RolloutAssessment = { ready: [], waiting: [], failed: [] };
  for (const [service, reference] of Object.entries(expected).sort(([a], [b]) => a.localeCompare(b))) {
    const replicas = containers.filter((container) => container.service === service && !container.oneOff);
    const current = replicas.filter((container) => container.configImage === reference);
    if (current.length === 0) {
      const found = replicas.map((container) => container.configImage).join(', ');
      assessment.failed.push({ service, why: found ? `runs ${found}, not ${reference}` : 'no container was created', container: null });
      continue;
    }
    let worst: { state: 'failed' | 'waiting'; why: string; container: string } | null = null;
    for (const container of current) {
      const verdict = judge(container, now, settleMs);
      if (verdict === null) continue;
      if (verdict.state === 'failed' || worst === null) worst = { ...verdict, container: container.name };
      if (verdict.state === 'failed') break;
    }
    if (worst === null) assessment.ready.push(service);
    else if (worst.state === 'failed') assessment.failed.push({ service, why: worst.why, container: worst.container });
    else assessment.waiting.push({ service, why: worst.why });
  }
  return assessment;
}

function judge(container: ContainerInfo, now: number, settleMs: number): { state: 'failed' | 'waiting'; why: string } | null {
  if (container.restarting || container.restartCount > 0) {
    return { state: 'failed', why: `keeps restarting (last exit code ${container.exitCode}, ${container.restartCount} restarts)` };
  }
  if (!container.running) {
    if (container.status === 'created') return { state: 'waiting', why: 'created, not started yet' };
    return { state: 'failed', why: `${container.status} with exit code ${container.exitCode}` };
  }
  if (container.health === 'unhealthy') {
    return { state: 'failed', why: `healthcheck reports unhealthy${container.lastHealthOutput ? ` (last check: ${container.lastHealthOutput})` : ''}` };
  }
  if (container.health === 'starting') return { state: 'waiting', why: 'healthcheck still starting' };
  if (container.health === 'healthy') return null;
  const started = container.startedAt ? Date.parse(container.startedAt) : Number.NaN;
  if (Number.isNaN(started) || now - started < settleMs) return { state: 'waiting', why: `running for less than ${settleMs} ms` };
  return null;
}
