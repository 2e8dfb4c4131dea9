// Benchmark: how long a compose deploy that never becomes healthy takes to be detected and restored,
// against the healthcheck's own bound (interval × retries): the goal is restored within that bound
// plus 5 s. The peer is docker's own verdict, which does not count failures during the start
// period: start_period + interval × retries.
//
//   npx tsx bench/deploy-failure/run.ts [rounds]      (default 3; LOCKSTEP_* image variables as for the tests)
//
// Production runs release A; release B's catalog answers 503 on /healthz. Each round deploys B with the
// whole CLI (exit 1, rolled back) and times it from the moment lockstep starts the rollout (its
// "rolling out" progress line) to its exit, and reads the restore time lockstep reports itself.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { loadComposeGraph } from '../../src/compose/loadGraph.js';
import { changeService, createExampleSystem, writeSandboxLock } from '../../src/sandbox/exampleSystem.js';
import { removeLockstepMarkers, removeProjectResources } from '../../support/docker.js';
import { startRegistry } from '../../support/registry.js';
import { median } from '../support/timing.js';
import { writeRows } from '../support/results.js';

const rounds = Number(process.argv[2] ?? 3);
const cli = fileURLToPath(new URL('../../bin/lockstep.js', import.meta.url));
const project = `bench-fail-${process.pid}`;

interface Round {
  /** From the "rolling out" line to the process's exit. */
  rolloutToRestoredMs: number;
  /** From the first health report of the new catalog (its container runs) to the process's exit. */
  startedToRestoredMs: number;
  /** From the "rolling out" line to the first health report: compose recreating the container. */
  composeUpMs: number;
  /** What lockstep reports: from the certain failure to restored. */
  reportedRestoreMs: number;
}

function deploy(lockFile: string, cwd: string, expectFailure: boolean): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'deploy', '--env', 'production', '--lock', lockFile], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let rolloutAt = Number.NaN;
    let startedAt = Number.NaN;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (Number.isNaN(rolloutAt) && /rolling out lock/.test(stderr)) rolloutAt = performance.now();
      const afterRollout = stderr.slice(stderr.indexOf('rolling out lock'));
      if (!Number.isNaN(rolloutAt) && Number.isNaN(startedAt) && /catalog: health: starting/.test(afterRollout)) startedAt = performance.now();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ended = performance.now();
      if ((code !== 0) !== expectFailure) return reject(new Error(`lockstep deploy exited ${code}:\n${stderr}`));
      const reported = /restored ([\d.]+) (ms|s|min)(?: ([\d]+) s)? after the failure was certain/.exec(stderr);
      const reportedMs = !reported ? Number.NaN : reported[2] === 'ms' ? Number(reported[1]) : reported[2] === 's' ? Number(reported[1]) * 1000 : Number(reported[1]) * 60_000 + Number(reported[3]) * 1000;
      resolve({ rolloutToRestoredMs: ended - rolloutAt, startedToRestoredMs: ended - startedAt, composeUpMs: startedAt - rolloutAt, reportedRestoreMs: reportedMs });
    });
  });
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

const registry = await startRegistry();
const root = await mkdtemp(join(tmpdir(), 'lockstep-bench-fail-'));
try {
  console.error(`preparing the example system (registry ${registry.host})`);
  const system = await createExampleSystem({ root, registryHost: registry.host });
  const lockA = join(root, 'a.lock.yaml');
  await writeSandboxLock(system, lockA);
  await changeService(system, 'catalog', { kind: 'unhealthy' });
  const lockB = join(root, 'b.lock.yaml');
  await writeSandboxLock(system, lockB);
  const config = parse(await readFile(system.configFile, 'utf8')) as Record<string, unknown>;
  config.environments = { production: { target: { type: 'compose', project, healthTimeoutMs: 180_000 } } };
  await writeFile(system.configFile, stringify(config, { lineWidth: 0 }));
  const check = (await loadComposeGraph(join(system.repoDir, 'compose.yaml'))).services.catalog?.healthcheck;
  if (!check) throw new Error('the example catalog service has no healthcheck');
  const boundMs = check.intervalMs * check.retries;
  const dockerVerdictMs = check.startPeriodMs + boundMs;

  await deploy(lockA, system.repoDir, false);
  const results: Round[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    const result = await deploy(lockB, system.repoDir, true);
    results.push(result);
    console.error(
      `round ${round}: rollout to restored ${seconds(result.rolloutToRestoredMs)} (compose up ${seconds(result.composeUpMs)}, container start to restored ${seconds(result.startedToRestoredMs)}); lockstep reports restored ${seconds(result.reportedRestoreMs)} after the failure was certain`,
    );
  }
  const total = median(results.map((result) => result.rolloutToRestoredMs));
  const fromStart = median(results.map((result) => result.startedToRestoredMs));
  const restore = median(results.map((result) => result.reportedRestoreMs));
  const goalMs = boundMs + 5000;
  // The healthcheck's bound runs from the new container's start; compose's own recreate time comes before.
  const met = fromStart <= goalMs;
  console.log(`failed compose deploy (catalog never healthy; healthcheck every ${check.intervalMs / 1000} s, ${check.retries} retries, start period ${check.startPeriodMs / 1000} s)`);
  console.log(`  rollout start to restored (median of ${rounds}): ${seconds(total)}; new container started to restored: ${seconds(fromStart)}; restoring after the certain failure: ${seconds(restore)}`);
  console.log(`  healthcheck bound (interval x retries): ${(boundMs / 1000).toFixed(0)} s; goal <= ${(goalMs / 1000).toFixed(0)} s: ${met ? 'met' : 'NOT met'}`);
  console.log(`  docker's own unhealthy verdict (start period + bound): ${(dockerVerdictMs / 1000).toFixed(0)} s`);
  await writeRows(
    'deploy-failure',
    [
      {
        benchmark: `\`bench/deploy-failure\` (detect + restore, median of ${rounds})`,
        lockstep: `container start to restored ${seconds(fromStart)} (restore ${seconds(restore)}; from rollout start ${seconds(total)})`,
        peer: `healthcheck bound ${(boundMs / 1000).toFixed(0)} s; docker's verdict ${(dockerVerdictMs / 1000).toFixed(0)} s`,
        ratio: `${(fromStart / boundMs).toFixed(2)}× the bound`,
        goal: `≤ bound + 5 s: ${met ? 'met' : 'not met'}`,
      },
    ],
    { rounds: results, boundMs, dockerVerdictMs },
  );
} finally {
  await removeProjectResources(project).catch(() => {});
  await removeLockstepMarkers(project);
  await registry.stop();
  await rm(root, { recursive: true, force: true });
}
