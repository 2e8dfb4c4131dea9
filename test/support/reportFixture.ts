import { diffLocks } from '../../src/lock/diff.js';
import type { RunReport } from '../../src/report/runReport.js';
import { makeLock, service } from './lockFixtures.js';

/** A realistic failed production run: used by the HTML report tests. */
export function failedRunReport(): RunReport {
  const v1 = makeLock({ catalog: service('catalog'), cart: service('cart'), gateway: service('gateway') });
  const v2 = makeLock({ catalog: service('catalog', { digest: `sha256:${'c'.repeat(64)}`, tag: 'sha-ccccccc' }), cart: service('cart'), gateway: service('gateway') });
  return {
    schema: 'lockstep/run-report/v1',
    pipeline: 'promote-production',
    status: 'failed',
    startedAt: '2026-11-21T12:00:00.000Z',
    finishedAt: '2026-11-21T12:01:10.000Z',
    durationMs: 70_000,
    stages: [
      { name: 'approval gate', status: 'skipped', startedAt: '2026-11-21T12:00:00.000Z', durationMs: 0, summary: 'skipped: no GitHub in the local demo', rerun: 'lockstep gate approvals --pr 7 --required 4' },
      { name: 'health', status: 'passed', startedAt: '2026-11-21T12:00:00.000Z', durationMs: 1200, summary: '4 checks passed', rerun: 'lockstep health --env production' },
      { name: 'deploy', status: 'failed', startedAt: '2026-11-21T12:00:02.000Z', durationMs: 42_000, summary: 'catalog never became healthy <script>alert(1)</script>', error: 'catalog never became healthy; restored lock 1a2b3c4d5e6f', rerun: 'lockstep deploy --env production --lock locks/current.lock.yaml' },
      { name: 'smoke', status: 'skipped', startedAt: '2026-11-21T12:00:44.000Z', durationMs: 0, summary: 'not run: an earlier stage failed', rerun: 'lockstep smoke --env production' },
    ],
    locks: [{ label: 'Lock deployed', lock: v2 }],
    diffs: [{ label: 'Changes since v1.0.0', diff: diffLocks(v1, v2) }],
    tests: [{ suite: 'smoke', against: 'production', passed: 3, failed: 1, skipped: 0, failures: [{ name: 'gateway /healthz', message: 'expected 200, got 503' }] }],
    artifacts: ['report/run.json', 'report/index.html'],
  };
}
