import type { Lease } from '../target.js';

/**
 * What to do about the lease found on an environment. Pure, so every target (marker container,
 * annotation, config-repo file) takes the same decisions and the rules are tested once.
 */
export type LeaseDecision =
  | { action: 'acquire' }
  | { action: 'refuse'; heldBy: Lease }
  | { action: 'take-over'; stale: Lease; reason: 'expired' | 'unreadable' | 'own' };

export function decideLease(existing: Lease | null, holder: string, now: Date): LeaseDecision {
  if (existing === null) return { action: 'acquire' };
  // The same holder re-acquiring is a retried run of the same job: it must not lock itself out.
  if (existing.holder === holder) return { action: 'take-over', stale: existing, reason: 'own' };
  const expires = Date.parse(existing.expiresAt);
  // A lease nobody can read the expiry of would block the environment forever; treat it as stale.
  if (Number.isNaN(expires)) return { action: 'take-over', stale: existing, reason: 'unreadable' };
  if (expires <= now.getTime()) return { action: 'take-over', stale: existing, reason: 'expired' };
  return { action: 'refuse', heldBy: existing };
}

export function newLease(holder: string, ttlMs: number, now: Date): Lease {
  return { holder, acquiredAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlMs).toISOString() };
}

/** Who is deploying, as other runs will read it in "held by ...": CI job when there is one, else user@host. */
export function defaultHolder(env: NodeJS.ProcessEnv, user: string, host: string, pid: number): string {
  if (env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY) {
    const attempt = env.GITHUB_RUN_ATTEMPT ? `/${env.GITHUB_RUN_ATTEMPT}` : '';
    return `github:${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}${attempt}`;
  }
  // Other CI systems: their run (job) id, so a lease names the run to look at.
  if (env.CI_JOB_ID && env.CI_PROJECT_PATH) return `gitlab:${env.CI_PROJECT_PATH}/-/jobs/${env.CI_JOB_ID}`;
  if (env.BUILDKITE_BUILD_ID) return `buildkite:${env.BUILDKITE_PIPELINE_SLUG ?? 'pipeline'}/builds/${env.BUILDKITE_BUILD_ID}`;
  if (env.CIRCLE_WORKFLOW_ID) return `circleci:${env.CIRCLE_PROJECT_REPONAME ?? 'project'}/workflows/${env.CIRCLE_WORKFLOW_ID}`;
  return `${user}@${host}:${pid}`;
}

export function describeLease(lease: Lease, now: Date): string {
  const left = Date.parse(lease.expiresAt) - now.getTime();
  const when = Number.isNaN(left) ? 'at an unreadable time' : left > 0 ? `in ${formatDuration(left)}` : `${formatDuration(-left)} ago`;
  return `${lease.holder} (since ${lease.acquiredAt}, expires ${lease.expiresAt}, ${when})`;
}

export function formatDuration(ms: number): string {
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  return `${Math.round(minutes / 60)}h`;
}
