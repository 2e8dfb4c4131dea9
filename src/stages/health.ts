import type { HealthConfig } from '../config/environments.js';
import { checkDependency } from '../environments/health/dependencyChecks.js';
import { healthReport, type HealthReport } from '../environments/health/renderHealth.js';
import type { DeployTarget } from '../environments/target.js';

export interface HealthInput {
  environment: string;
  target: DeployTarget;
  health: HealthConfig;
}

/**
 * The gate before every deploy, and `lockstep health` alone: the target's own checks (API, nodes,
 * quotas) and the configured dependencies, all at once, each bounded by its timeout.
 */
export async function runHealthGate(input: HealthInput): Promise<HealthReport> {
  const [targetChecks, dependencyChecks] = await Promise.all([
    input.target.healthChecks(),
    Promise.all(input.health.dependencies.map((dependency) => checkDependency(dependency, input.health.timeoutMs))),
  ]);
  return healthReport(input.environment, input.target.describe?.() ?? `${input.target.kind} target`, [...targetChecks, ...dependencyChecks]);
}
