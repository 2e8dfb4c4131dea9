// Benchmark: `lockstep lock generate` (one CLI process, start-up included) against what a CI script
// would otherwise do, one `skopeo inspect` per image, run one after the other, for the same tags.
//
//   npx tsx bench/lock-generate/run.ts [N...]       (default: 10 100 500)
//
// Needs docker (a local registry container) and skopeo. Each N is measured twice: without a base lock
// (every service read in full) and with one (`--base` the lock just made: one HEAD per unchanged
// service). Goals: N=100 at most 0.15x without a base and 0.10x with one, N=500 at most 0.08x without.
// Next to wall times it prints the CPU each side cost (client processes plus registry container and
// docker-proxy), which a busy shared machine distorts far less, and lockstep's registry request count.
// A third side, bareClient.mjs, sends the registry the same requests from a plain node process and does
// nothing else: the floor that the registry container and process start-up set on this machine.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { pushImages } from '../../support/ociPush.js';
import { startRegistry } from '../../support/registry.js';
import { writeRows, type BenchRow } from '../support/results.js';

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const bareClient = fileURLToPath(new URL('./bareClient.mjs', import.meta.url));
const sizes = process.argv.slice(2).map(Number).filter((n) => Number.isInteger(n) && n > 0);
const goals: Record<'full' | 'base', Record<number, number>> = { full: { 100: 0.15, 500: 0.08 }, base: { 100: 0.1 } };
const lockstepRuns = 3;

interface Exit {
  code: number;
  stdout: string;
  stderr: string;
}

/** Spawns a program with an argument array (no shell) and returns its exit status and output. */
function spawnQuiet(program: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 128, stdout, stderr }));
  });
}

/**
 * CPU spent by everything a run keeps busy: the child processes (lockstep or skopeo), the registry
 * container and the docker-proxy in front of it. Unlike wall time this barely moves with the load
 * other jobs put on a shared machine, so it says how much work each approach really costs.
 */
class CpuMeter {
  private constructor(
    private readonly cgroupUsage: string | undefined,
    private readonly proxyPids: number[],
  ) {}

  static async forRegistry(containerId: string, hostPort: string): Promise<CpuMeter> {
    const { stdout } = await execFileAsync('docker', ['inspect', '--format', '{{.State.Pid}}', containerId]);
    const cgroups = await readFile(`/proc/${stdout.trim()}/cgroup`, 'utf8').catch(() => '');
    let usage: string | undefined;
    for (const line of cgroups.split('\n')) {
      const [, controllers = '', path = ''] = line.split(':');
      if (controllers.split(',').includes('cpuacct')) usage = `/sys/fs/cgroup/cpuacct${path}/cpuacct.usage`;
      else if (controllers === '' && path && usage === undefined) usage = `/sys/fs/cgroup${path}/cpu.stat`;
    }
    const proxyPids: number[] = [];
    for (const entry of await readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(entry)) continue;
      const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
      if (args[0]?.endsWith('docker-proxy') && args[args.indexOf('-host-port') + 1] === hostPort) proxyPids.push(Number(entry));
    }
    return new CpuMeter(usage, proxyPids);
  }

  /** Seconds of CPU so far, or undefined where the host does not expose it. */
  async read(): Promise<{ children: number; registry: number | undefined }> {
    const self = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ');
    // Fields 16 and 17 (cutime, cstime) after the command name: CPU of children that were waited for.
    const children = (Number(self[13]) + Number(self[14])) / 100;
    let registry: number | undefined;
    if (this.cgroupUsage) {
      const text = await readFile(this.cgroupUsage, 'utf8').catch(() => undefined);
      if (text !== undefined) {
        registry = this.cgroupUsage.endsWith('cpu.stat') ? Number(/usage_usec (\d+)/.exec(text)?.[1]) / 1e6 : Number(text) / 1e9;
        for (const pid of this.proxyPids) {
          const fields = (await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')).split(') ')[1]?.split(' ');
          if (fields) registry += (Number(fields[11]) + Number(fields[12])) / 100;
        }
      }
    }
    return { children, registry };
  }
}

interface Measured<T> {
  ms: number;
  cpuSeconds: number | undefined;
  value: T;
}

async function measured<T>(meter: CpuMeter, work: () => Promise<T>): Promise<Measured<T>> {
  const before = await meter.read();
  const start = process.hrtime.bigint();
  const value = await work();
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const after = await meter.read();
  const registry = after.registry === undefined || before.registry === undefined ? undefined : after.registry - before.registry;
  return { ms, cpuSeconds: registry === undefined ? undefined : after.children - before.children + registry, value };
}

/** An orchestrator repo with N submodule gitlinks, made with update-index: no clones needed. */
async function orchestratorWithGitlinks(dir: string, commits: string[]): Promise<void> {
  const git = (...args: string[]) =>
    execFileAsync('git', ['-C', dir, '-c', 'user.name=bench', '-c', 'user.email=bench@lockstep.invalid', ...args], { maxBuffer: 64 * 1024 * 1024 });
  await git('init', '-q', '-b', 'main');
  const modules = commits.map((_, index) => `[submodule "svc-${index}"]\n\tpath = services/svc-${index}\n\turl = ../svc-${index}.git\n`).join('');
  await writeFile(join(dir, '.gitmodules'), modules);
  await git('add', '.gitmodules');
  const batch = 200;
  for (let start = 0; start < commits.length; start += batch) {
    const args = commits.slice(start, start + batch).flatMap((commit, offset) => ['--cacheinfo', `160000,${commit},services/svc-${start + offset}`]);
    await git('update-index', '--add', ...args);
  }
  await git('commit', '-q', '-m', `pin ${commits.length} services`);
}

async function benchmark(registryHost: string, meter: CpuMeter, n: number, work: string) {
  const dir = join(work, `n${n}`);
  await mkdir(dir, { recursive: true });
  const commits = Array.from({ length: n }, () => randomBytes(20).toString('hex'));
  const tags = commits.map((commit) => `sha-${commit.slice(0, 7)}`);
  process.stderr.write(`N=${n}: pushing ${n} images…\n`);
  const pushed = await pushImages(
    registryHost,
    commits.map((commit, index) => ({
      repository: `bench${n}/svc-${index}`,
      tag: tags[index]!,
      labels: { 'org.opencontainers.image.revision': commit },
      created: new Date(Date.UTC(2026, 0, 1, 0, 0, index)),
    })),
    { concurrency: 8 },
  );
  await orchestratorWithGitlinks(dir, commits);
  const config = join(dir, 'lockstep.config.yaml');
  const services = Object.fromEntries(commits.map((_, index) => [`svc-${index}`, { path: `services/svc-${index}`, image: `${registryHost}/bench${n}/svc-${index}` }]));
  await writeFile(config, JSON.stringify({ apiVersion: 'lockstep/v1', kind: 'Config', services }));

  const out = join(dir, 'release.lock.yaml');
  const env = { ...process.env, LOCKSTEP_QUIET: '1' };
  const generate = async (extra: string[], target: string) => {
    const runs: Array<Measured<Exit>> = [];
    for (let run = 0; run < lockstepRuns; run += 1) {
      await rm(target, { force: true });
      const args = [join(repoRoot, 'bin', 'lockstep.js'), '-c', config, '--json', 'lock', 'generate', '--repo', dir, '--out', target, ...extra];
      const result = await measured(meter, () => spawnQuiet(process.execPath, args, env));
      if (result.value.code !== 0) throw new Error(`lockstep lock generate failed (N=${n}):\n${result.value.stderr}`);
      runs.push(result);
    }
    runs.sort((a, b) => a.ms - b.ms);
    const median = runs[Math.floor(runs.length / 2)]!;
    const requests = (JSON.parse(median.value.stdout) as { registryRequests: number }).registryRequests;
    return { median, runs: runs.map((run) => run.ms), requests };
  };
  const full = await generate([], out);
  // The benchmark only counts if the lock is right.
  const lock = parse(await readFile(out, 'utf8')) as { services: Record<string, { digest: string; commit: string }> };
  pushed.forEach((image, index) => {
    const entry = lock.services[`svc-${index}`];
    if (entry?.digest !== image.digest || entry.commit !== commits[index]) throw new Error(`svc-${index}: the lock does not match what was pushed`);
  });
  const withBase = await generate(['--base', out], join(dir, 'next.lock.yaml'));

  const refsFile = join(dir, 'refs.txt');
  await writeFile(refsFile, tags.map((tag, index) => `bench${n}/svc-${index}:${tag}\n`).join(''));
  const bare = async (mode: 'full' | 'base') => {
    const runs: Array<Measured<Exit>> = [];
    for (let run = 0; run < lockstepRuns; run += 1) {
      const result = await measured(meter, () => spawnQuiet(process.execPath, [bareClient, registryHost, mode, '16', refsFile]));
      if (result.value.code !== 0) throw new Error(`the bare client failed (N=${n}, ${mode}):\n${result.value.stderr}`);
      runs.push(result);
    }
    return runs.sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!;
  };
  const floor = { full: await bare('full'), base: await bare('base') };

  process.stderr.write(`N=${n}: ${n} × skopeo inspect…\n`);
  const skopeo = await measured(meter, async () => {
    for (const [index, tag] of tags.entries()) {
      const result = await spawnQuiet('skopeo', ['inspect', '--tls-verify=false', `docker://${registryHost}/bench${n}/svc-${index}:${tag}`]);
      if (result.code !== 0) throw new Error(`skopeo inspect failed: ${result.stderr}`);
    }
  });
  return {
    n,
    variants: [
      { variant: 'full' as const, lockstepMs: full.median.ms, lockstepRuns: full.runs, lockstepCpuS: full.median.cpuSeconds, requests: full.requests, floorMs: floor.full.ms, floorCpuS: floor.full.cpuSeconds },
      { variant: 'base' as const, lockstepMs: withBase.median.ms, lockstepRuns: withBase.runs, lockstepCpuS: withBase.median.cpuSeconds, requests: withBase.requests, floorMs: floor.base.ms, floorCpuS: floor.base.cpuSeconds },
    ],
    skopeoMs: skopeo.ms,
    skopeoCpuS: skopeo.cpuSeconds,
  };
}

async function main() {
  const chosen = sizes.length > 0 ? sizes : [10, 100, 500];
  await execFileAsync('skopeo', ['--version']).catch(() => {
    throw new Error('skopeo is not installed (apt-get install skopeo)');
  });
  const work = await mkdtemp(join(tmpdir(), 'lockstep-bench-'));
  const registry = await startRegistry();
  const results = [];
  try {
    const meter = await CpuMeter.forRegistry(registry.container.getId(), registry.host.split(':')[1]!);
    for (const n of chosen) results.push(await benchmark(registry.host, meter, n, work));
  } finally {
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
  const cpu = (seconds: number | undefined) => (seconds === undefined ? 'n/a' : `${seconds.toFixed(1)} s`);
  const rows = results.flatMap((result) =>
    result.variants.map((variant) => {
      const ratio = variant.lockstepMs / result.skopeoMs;
      const goal = goals[variant.variant][result.n];
      const cpuRatio = variant.lockstepCpuS !== undefined && result.skopeoCpuS ? `${(variant.lockstepCpuS / result.skopeoCpuS).toFixed(3)}×` : 'n/a';
      return [
        String(result.n),
        variant.variant === 'base' ? 'with base lock' : 'no base lock',
        `${variant.lockstepMs.toFixed(0)} ms`,
        variant.lockstepRuns.map((ms) => ms.toFixed(0)).join('/'),
        String(variant.requests),
        `${variant.floorMs.toFixed(0)} ms (${(variant.floorMs / result.skopeoMs).toFixed(3)}×)`,
        `${result.skopeoMs.toFixed(0)} ms`,
        `${ratio.toFixed(3)}×`,
        goal === undefined ? '—' : `≤ ${goal}× ${ratio <= goal ? 'met' : 'MISSED'}`,
        cpu(variant.lockstepCpuS),
        cpu(variant.floorCpuS),
        cpu(result.skopeoCpuS),
        cpuRatio,
      ];
    }),
  );
  // Both sides wait on the same registry container, so a busy machine moves both, but not equally.
  const machine = `${cpus().length} cores, load average ${loadavg().map((value) => value.toFixed(1)).join(' / ')} (1/5/15 min) at the end`;
  console.log(machine);
  const headers = ['N', 'variant', 'lockstep (median)', 'runs', 'requests', 'bare client', 'skopeo loop', 'ratio', 'goal', 'lockstep CPU', 'bare client CPU', 'skopeo CPU', 'CPU ratio'];
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => row[column]!.length)));
  for (const line of [headers, widths.map((width) => '-'.repeat(width)), ...rows]) {
    console.log(line.map((cell, column) => cell.padEnd(widths[column]!)).join('  ').trimEnd());
  }
  const benchRows: BenchRow[] = results.flatMap((result) =>
    result.variants.map((variant) => {
      const ratio = variant.lockstepMs / result.skopeoMs;
      const goal = goals[variant.variant][result.n];
      const cpuRatio =
        variant.lockstepCpuS !== undefined && variant.floorCpuS !== undefined && result.skopeoCpuS
          ? ` (CPU: ${(variant.lockstepCpuS / result.skopeoCpuS).toFixed(2)}×; bare client's CPU: ${(variant.floorCpuS / result.skopeoCpuS).toFixed(2)}×)`
          : '';
      return {
        benchmark: `\`bench/lock-generate\`, N=${result.n}, ${variant.variant === 'base' ? 'with' : 'no'} base lock`,
        lockstep: `${(variant.lockstepMs / 1000).toFixed(2)} s (${variant.requests} requests)`,
        peer: `\`skopeo inspect\` loop: ${(result.skopeoMs / 1000).toFixed(2)} s (bare node client, same requests: ${(variant.floorMs / 1000).toFixed(2)} s, ${(variant.floorMs / result.skopeoMs).toFixed(3)}×)`,
        ratio: `${ratio.toFixed(3)}×${cpuRatio}`,
        goal: goal === undefined ? '–' : `≤ ${goal}×: ${ratio <= goal ? 'met' : '**not met**'}`,
      };
    }),
  );
  await writeRows('lock-generate', benchRows, { results });
}

await main();
