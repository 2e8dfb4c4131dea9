// Benchmark: `lockstep stack up` + `lockstep stack down` against plain compose doing the same job with
// the same pinned images: `up -d` + waiting until every container is healthy (compose v1 has no
// --wait, so a poll as tight as lockstep's; `up --wait` when compose v2 is installed) + `down`.
//
//   npx tsx bench/stack/run.ts [rounds]        (default 3; LOCKSTEP_* image variables as for the tests)
//
// Images are built and pushed once and are present locally for both sides, so the figures compare
// orchestration, not pulls. One untimed warm-up round each, then rounds alternate which side goes first.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectCompose, runCompose, type ComposeCommand } from '../../src/compose/composeCommand.js';
import { pinServices } from '../../src/compose/override.js';
import { DockerApi } from '../../src/docker/api.js';
import { projectContainers } from '../../src/docker/containers.js';
import { resolveDockerHost } from '../../src/docker/host.js';
import { createExampleSystem, removeSandboxTags, writeSandboxLock, type ExampleSystem } from '../../src/sandbox/exampleSystem.js';
import { startRegistry } from '../../support/registry.js';
import { removeProjectResources } from '../../support/docker.js';
import { writeRows } from '../support/results.js';
import { median, timed } from '../support/timing.js';

const rounds = Number(process.argv[2] ?? 3);
const cli = fileURLToPath(new URL('../../bin/lockstep.js', import.meta.url));
const pollMs = 250;
const api = new DockerApi(resolveDockerHost(undefined));

function lockstep(args: string[], cwd: string): void {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, LOCKSTEP_QUIET: '1' } });
  if (result.status !== 0) throw new Error(`lockstep ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
}

async function plainCompose(compose: ComposeCommand, project: string, files: string[], cwd: string): Promise<void> {
  if (compose.version === 2) {
    await runCompose(compose, { project, files, projectDirectory: cwd, args: ['up', '--detach', '--no-build', '--wait'] });
  } else {
    await runCompose(compose, { project, files, projectDirectory: cwd, args: ['up', '--detach', '--no-build'] });
    for (;;) {
      const containers = await projectContainers(api, project);
      if (containers.some((container) => container.status !== 'running' || container.health === 'unhealthy')) throw new Error(`${project} failed to start`);
      if (containers.length === 4 && containers.every((container) => container.health === null || container.health === 'healthy')) break;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
  await runCompose(compose, { project, files, projectDirectory: cwd, args: ['down', '--volumes', '--remove-orphans', '--timeout', '10'] });
}

const registry = await startRegistry();
const root = await mkdtemp(join(tmpdir(), 'lockstep-bench-stack-'));
const lsProject = `bench-ls-${process.pid}`;
const plainProject = `bench-plain-${process.pid}`;
let created: ExampleSystem | undefined;
try {
  const compose = await detectCompose();
  console.error(`preparing the example system (registry ${registry.host}, compose ${compose.versionText})`);
  const system = await createExampleSystem({ root, registryHost: registry.host });
  created = system;
  const lockFile = join(root, 'bench.lock.yaml');
  const lock = await writeSandboxLock(system, lockFile);
  const overrideFile = join(root, 'pinned.override.yaml');
  await writeFile(
    overrideFile,
    pinServices(
      '',
      Object.fromEntries(Object.entries(lock.services).map(([name, service]) => [name, { image: `${service.image}@${service.digest}` }])),
      ['The same pinned images, for plain compose.'],
    ),
  );
  const composeFile = join(system.repoDir, 'compose.yaml');
  const times = { lockstep: [] as number[], plain: [] as number[] };
  const cycleLockstep = () => {
    lockstep(['-c', system.configFile, 'stack', 'up', '--lock', lockFile, '--project', lsProject], system.repoDir);
    lockstep(['-c', system.configFile, 'stack', 'down', '--project', lsProject], system.repoDir);
  };
  const cyclePlain = () => plainCompose(compose, plainProject, [composeFile, overrideFile], system.repoDir);
  // The first containers from freshly built images start slower; neither side should pay for that.
  console.error('warm-up round (not timed)');
  cycleLockstep();
  await cyclePlain();
  for (let round = 1; round <= rounds; round += 1) {
    const runLockstep = async () => {
      times.lockstep.push(await timed(cycleLockstep));
    };
    const runPlain = async () => {
      times.plain.push(await timed(cyclePlain));
    };
    if (round % 2 === 1) {
      await runLockstep();
      await runPlain();
    } else {
      await runPlain();
      await runLockstep();
    }
    console.error(`round ${round}: lockstep ${times.lockstep.at(-1)!.toFixed(2)} s, plain compose ${times.plain.at(-1)!.toFixed(2)} s`);
  }
  const ratio = median(times.lockstep) / median(times.plain);
  console.log('stack up + down, 4 services, images present locally');
  console.log(`  rounds:                ${rounds}`);
  console.log(`  lockstep stack up+down ${times.lockstep.map((t) => t.toFixed(2)).join(' / ')} s (median ${median(times.lockstep).toFixed(2)} s)`);
  console.log(`  ${compose.version === 2 ? 'docker compose up --wait' : 'docker-compose up + poll'}+down ${times.plain.map((t) => t.toFixed(2)).join(' / ')} s (median ${median(times.plain).toFixed(2)} s)`);
  console.log(`  ratio lockstep / compose: ${ratio.toFixed(2)}x (goal <= 1.15x)`);
  await writeRows('stack', [
    {
      benchmark: `\`bench/stack\` (up + down, median of ${rounds})`,
      lockstep: `${median(times.lockstep).toFixed(2)} s`,
      peer: `\`${compose.version === 2 ? 'docker compose up --wait' : 'docker-compose up -d'}\` + health poll + \`down\`: ${median(times.plain).toFixed(2)} s`,
      ratio: `${ratio.toFixed(2)}×`,
      goal: `≤ 1.15×: ${ratio <= 1.15 ? 'met' : 'not met'}`,
    },
  ]);
} finally {
  await removeProjectResources(lsProject).catch(() => {});
  await removeProjectResources(plainProject).catch(() => {});
  if (created) await removeSandboxTags(created);
  await registry.stop();
  await rm(root, { recursive: true, force: true });
}
