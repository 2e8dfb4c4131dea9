// Benchmark: `lockstep rollback` to healthy, against plain compose doing the same move with the same
// images: `up -d` with lock A's digests pinned + waiting until every container runs them, healthy
// (compose v1 has no --wait: a poll as tight as lockstep's; `up --wait` when compose v2 is installed).
//
//   npx tsx bench/rollback/run.ts [rounds]      (default 3; LOCKSTEP_* image variables as for the tests)
//
// Both sides start from the same state: one compose project running release v1.1.0 (lock B), and go
// back to v1.0.0 (lock A), which differs in one service. lockstep's side is the whole command as an
// operator runs it (process start, lock and registry checks, health gate, lease, rollout, health
// wait, record); between rounds lock B is deployed again, untimed. Rounds alternate which side goes first.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { detectCompose, runCompose, type ComposeCommand } from '../../src/compose/composeCommand.js';
import { pinServices } from '../../src/compose/override.js';
import { DockerApi } from '../../src/docker/api.js';
import { projectContainers } from '../../src/docker/containers.js';
import { resolveDockerHost } from '../../src/docker/host.js';
import type { ReleaseLock } from '../../src/lock/schema.js';
import { changeService, createExampleSystem, writeSandboxLock } from '../../src/sandbox/exampleSystem.js';
import { archiveRelease } from '../../src/stages/release.js';
import { removeLockstepMarkers, removeProjectResources } from '../../support/docker.js';
import { startRegistry } from '../../support/registry.js';
import { writeRows } from '../support/results.js';
import { median, timed } from '../support/timing.js';

const rounds = Number(process.argv[2] ?? 3);
const cli = fileURLToPath(new URL('../../bin/lockstep.js', import.meta.url));
const pollMs = 250;
const api = new DockerApi(resolveDockerHost(undefined));
const project = `bench-rollback-${process.pid}`;

function lockstep(args: string[], cwd: string): void {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, LOCKSTEP_QUIET: '1' } });
  if (result.status !== 0) throw new Error(`lockstep ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
}

const pinned = (lock: ReleaseLock) => Object.fromEntries(Object.entries(lock.services).map(([name, service]) => [name, `${service.image}@${service.digest}`]));

async function plainCompose(compose: ComposeCommand, files: string[], cwd: string, expected: Record<string, string>): Promise<void> {
  if (compose.version === 2) {
    await runCompose(compose, { project, files, projectDirectory: cwd, args: ['up', '--detach', '--no-build', '--wait'] });
    return;
  }
  await runCompose(compose, { project, files, projectDirectory: cwd, args: ['up', '--detach', '--no-build'] });
  for (;;) {
    const containers = await projectContainers(api, project);
    if (containers.some((container) => container.status !== 'running' || container.health === 'unhealthy')) throw new Error(`${project} failed to start`);
    const ready = Object.entries(expected).every(([service, image]) =>
      containers.some((container) => container.service === service && container.image === image && (container.health === null || container.health === 'healthy')),
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

const registry = await startRegistry();
const root = await mkdtemp(join(tmpdir(), 'lockstep-bench-rollback-'));
try {
  const compose = await detectCompose();
  console.error(`preparing the example system (registry ${registry.host}, compose ${compose.versionText})`);
  const system = await createExampleSystem({ root, registryHost: registry.host });
  const lockA = await writeSandboxLock(system, join(root, 'a.lock.yaml'));
  await changeService(system, 'catalog', { kind: 'bump' });
  const lockFileB = join(root, 'b.lock.yaml');
  await writeSandboxLock(system, lockFileB);
  const releases = join(system.repoDir, 'locks', 'releases');
  await archiveRelease({ lockFile: join(root, 'a.lock.yaml'), version: 'v1.0.0', dir: releases });
  await archiveRelease({ lockFile: lockFileB, version: 'v1.1.0', dir: releases });

  const config = parse(await readFile(system.configFile, 'utf8')) as Record<string, unknown>;
  config.environments = {
    production: { protected: true, target: { type: 'compose', project }, health: { disk: { minFreeMb: 64 }, memory: { minAvailableMb: 64 } } },
  };
  await writeFile(system.configFile, stringify(config, { lineWidth: 0 }));
  const overrideA = join(root, 'a.override.yaml');
  await writeFile(overrideA, pinServices('', Object.fromEntries(Object.entries(pinned(lockA)).map(([name, image]) => [name, { image }])), []));
  const composeFile = join(system.repoDir, 'compose.yaml');

  const deployB = () => lockstep(['deploy', '--env', 'production', '--lock', lockFileB], system.repoDir);
  lockstep(['deploy', '--env', 'production', '--lock', join(root, 'a.lock.yaml')], system.repoDir);
  deployB();

  const times = { lockstep: [] as number[], plain: [] as number[] };
  for (let round = 1; round <= rounds; round += 1) {
    const runLockstep = async () => {
      times.lockstep.push(await timed(() => lockstep(['rollback', '--env', 'production', '--releases-dir', releases], system.repoDir)));
      deployB();
    };
    const runPlain = async () => {
      times.plain.push(await timed(() => plainCompose(compose, [composeFile, overrideA], system.repoDir, pinned(lockA))));
      deployB();
    };
    if (round % 2 === 1) {
      await runLockstep();
      await runPlain();
    } else {
      await runPlain();
      await runLockstep();
    }
    console.error(`round ${round}: lockstep rollback ${times.lockstep.at(-1)!.toFixed(2)} s, plain compose ${times.plain.at(-1)!.toFixed(2)} s`);
  }
  const ratio = median(times.lockstep) / median(times.plain);
  console.log('rollback v1.1.0 -> v1.0.0 to healthy, 4 services (1 changes), images present locally');
  console.log(`  rounds:                  ${rounds}`);
  console.log(`  lockstep rollback        ${times.lockstep.map((t) => t.toFixed(2)).join(' / ')} s (median ${median(times.lockstep).toFixed(2)} s)`);
  console.log(`  ${compose.version === 2 ? 'docker compose up --wait ' : 'docker-compose up + poll '} ${times.plain.map((t) => t.toFixed(2)).join(' / ')} s (median ${median(times.plain).toFixed(2)} s)`);
  console.log(`  ratio lockstep / compose: ${ratio.toFixed(2)}x (goal <= 1.15x)`);
  await writeRows('rollback', [
    {
      benchmark: `\`bench/rollback\` (to healthy, median of ${rounds})`,
      lockstep: `${median(times.lockstep).toFixed(2)} s`,
      peer: `plain \`${compose.version === 2 ? 'docker compose up --wait' : 'docker-compose up -d'}\` + health poll: ${median(times.plain).toFixed(2)} s`,
      ratio: `${ratio.toFixed(2)}×`,
      goal: `≤ 1.15×: ${ratio <= 1.15 ? 'met' : 'not met'}`,
    },
  ]);
} finally {
  await removeProjectResources(project).catch(() => {});
  await removeLockstepMarkers(project);
  await registry.stop();
  await rm(root, { recursive: true, force: true });
}
