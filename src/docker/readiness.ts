import type { Container } from './containers.js';

export type Readiness = 'ready' | 'waiting' | 'failed';

/** What a service must become: running (healthy), from `image` when given; a one-shot must exit 0. */
export interface ServiceExpectation {
  service: string;
  /** The reference its containers must have been created from; any when absent. */
  image?: string;
  /** Another service waits for it to complete (`service_completed_successfully`): exit 0 is success. */
  oneShot?: boolean;
}

export interface ServiceReadiness {
  service: string;
  readiness: Readiness;
  /** One line for people: "healthy", "health: starting", "exited with code 1". */
  detail: string;
  container: Container | null;
}

export interface Assessment {
  ready: boolean;
  services: ServiceReadiness[];
}

export interface AssessOptions {
  /** False while compose is still creating containers: a missing one is then only waiting. */
  composeFinished: boolean;
  now: number;
  /** How long a container without healthcheck must have run to count as ready (0: at once). */
  settleMs: number;
  /** Failed probes in a row per container id (see `countFailingStreaks`). */
  streaks?: ReadonlyMap<string, FailingStreak>;
}

/**
 * Where each expected service stands, in the order given, from the containers alone. A service fails
 * as soon as its outcome is certain: its container exited or restarted, its healthcheck reports
 * unhealthy, or failed as many probes in a row as its retries allow once its start period is over
 * (probes that failed during the start period count, which docker's own streak does not), or it runs another image than expected once
 * compose has finished. Waiting longer cannot help any of these.
 */
export function assessServices(containers: readonly Container[], expectations: readonly ServiceExpectation[], options: AssessOptions): Assessment {
  const services = expectations.map((expectation): ServiceReadiness => {
    const { service } = expectation;
    const replicas = containers.filter((container) => container.service === service && !container.oneOff);
    const current = expectation.image === undefined ? replicas : replicas.filter((container) => container.image === expectation.image);
    if (current.length === 0) {
      if (!options.composeFinished) return { service, readiness: 'waiting', detail: 'not created yet', container: null };
      const found = [...new Set(replicas.map((container) => container.image))].join(', ');
      return { service, readiness: 'failed', detail: found ? `runs ${found}, not ${expectation.image}` : 'no container was created', container: null };
    }
    const judged = current.map((container): ServiceReadiness => ({ service, container, ...judgeContainer(container, expectation.oneShot ?? false, options) }));
    return judged.find((entry) => entry.readiness === 'failed') ?? judged.find((entry) => entry.readiness === 'waiting') ?? (judged[0] as ServiceReadiness);
  });
  return { ready: services.every((entry) => entry.readiness === 'ready'), services };
}

export function judgeContainer(container: Container, oneShot: boolean, options: AssessOptions): { readiness: Readiness; detail: string } {
  if (container.status === 'exited' || container.status === 'dead') {
    if (oneShot && container.exitCode === 0) return { readiness: 'ready', detail: 'completed successfully' };
    return { readiness: 'failed', detail: `exited with code ${container.exitCode}` };
  }
  if (container.restarting || container.restartCount > 0) {
    return { readiness: 'failed', detail: `keeps restarting (${container.restartCount} restarts, last exit code ${container.exitCode})` };
  }
  if (!container.running) return { readiness: 'waiting', detail: container.status };
  const started = container.startedAt ? Date.parse(container.startedAt) : Number.NaN;
  const lastCheck = container.lastHealthOutput ? ` (last check: ${container.lastHealthOutput})` : '';
  if (container.health === 'unhealthy') return { readiness: 'failed', detail: `healthcheck reports unhealthy${lastCheck}` };
  if (container.health === 'starting') {
    const streak = Math.max(container.failingStreak, options.streaks?.get(container.id)?.streak ?? 0);
    const check = container.healthcheck;
    // The start period delays the verdict, but the probes that failed during it still count.
    const pastStart = !check || Number.isNaN(started) || options.now - started >= check.startPeriodMs;
    if (check && pastStart && streak >= check.retries) return { readiness: 'failed', detail: `healthcheck failed ${streak} times in a row (retries: ${check.retries})${lastCheck}` };
    return { readiness: 'waiting', detail: 'health: starting' };
  }
  if (container.health === 'healthy') return { readiness: 'ready', detail: 'healthy' };
  if (options.settleMs > 0 && (Number.isNaN(started) || options.now - started < options.settleMs)) {
    return { readiness: 'waiting', detail: `running for less than ${options.settleMs} ms` };
  }
  return { readiness: 'ready', detail: 'running (no healthcheck)' };
}

export interface FailingStreak {
  /** Start of the newest probe counted. */
  lastProbe: number;
  streak: number;
}

/**
 * Failed probes in a row per container, carried from one read to the next: docker keeps only the last
 * five probes and does not count failures during the start period, so a healthcheck with 15 retries
 * 2 s apart and a 30 s start period says "starting" for a minute, though 15 failures in a row
 * were certain after 30 s.
 */
export function countFailingStreaks(previous: ReadonlyMap<string, FailingStreak>, containers: readonly Container[]): Map<string, FailingStreak> {
  const next = new Map<string, FailingStreak>();
  for (const container of containers) {
    let state = previous.get(container.id) ?? { lastProbe: Number.NEGATIVE_INFINITY, streak: 0 };
    for (const probe of [...container.probes].sort((a, b) => a.startedAt - b.startedAt)) {
      if (probe.startedAt <= state.lastProbe) continue;
      state = { lastProbe: probe.startedAt, streak: probe.exitCode === 0 ? 0 : state.streak + 1 };
    }
    next.set(container.id, state);
  }
  return next;
}
