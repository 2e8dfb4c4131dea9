import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { detectCompose, runCompose } from '../../../compose/composeCommand.js';
import { interpolateDocument } from '../../../compose/interpolate.js';
import type { ComposeTargetConfig, HealthConfig } from '../../../config/environments.js';
import { LockstepError } from '../../../errors.js';
import type { RunOptions, RunResult } from '../../../exec/run.js';
import { parseYamlText } from '../../../io/readDocument.js';
import { writeAtomic } from '../../../io/writeAtomic.js';
import { planRestore } from '../../restorePlan.js';
import type { CheckResult, DeployTarget, DesiredState, LeaseResult, LiveService, LiveState, MigrationRun, ProgressSink } from '../../target.js';
import { containerIds, projectContainers } from './containers.js';
import { DockerApi } from './dockerApi.js';
import { describeHost, docker, dockerEnv, resolveDockerHost, type DockerHost } from './dockerHost.js';
import { localFreeDisk, localMemAvailable, mebibytes } from './hostResources.js';
import { digestOf, liveStateFromContainers } from './liveState.js';
import { MarkerLease } from './markerLease.js';
import { migrationService, renderMigrationOverride, renderServiceOverride, type ServiceOverride } from './override.js';
import { assessRollout } from './rollout.js';
import { StateRecord } from './stateRecord.js';

export interface ComposeTargetOptions {
  config: ComposeTargetConfig;
  health: HealthConfig;
  /** Absolute paths of the compose files, in override order. */
  files: string[];
  /** Where relative paths inside the compose files resolve from. */
  projectDirectory: string;
  /**
   * Where the generated override files go (`.lockstep/environments/<project>` next to the config):
   * one fixed file per purpose, replaced by each run, so a killed run leaves nothing that piles up.
   */
  workDir: string;
  pollIntervalMs?: number;
  env?: NodeJS.ProcessEnv;
}

const mib = 1024 * 1024;

/** An environment that is a compose project on a docker host. */
export class ComposeTarget implements DeployTarget {
  readonly kind = 'compose' as const;
  private readonly host: DockerHost;
  private readonly api: DockerApi;
  private readonly lease: MarkerLease;
  private readonly state: StateRecord;
  private readonly pollIntervalMs: number;

  constructor(private readonly options: ComposeTargetOptions) {
    this.host = resolveDockerHost(options.config.dockerHost, options.env);
    this.api = new DockerApi(this.host);
    this.lease = new MarkerLease(this.api, options.config.project);
    this.state = new StateRecord(this.api, options.config.project);
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
  }

  describe(): string {
    return `compose project ${this.options.config.project} on ${describeHost(this.host)}`;
  }

  async healthChecks(): Promise<CheckResult[]> {
    const { health } = this.options;
    const started = performance.now();
    // Finding compose can take seconds (v1 is a Python program): it starts here and runs beside the
    // gate and the lease; `prepare` waits for it, before anything changes.
    detectCompose().catch(() => undefined);
    const info = await this.api.json<Record<string, unknown>>('/info', { timeoutMs: health.timeoutMs }).catch((error: unknown) => error as Error);
    const elapsed = () => performance.now() - started;
    const checks: CheckResult[] = [];
    const parsed = info instanceof Error ? null : parseInfo(info.value);
    if (parsed === null) {
      const why = info instanceof Error ? info.message : 'the answer to /info names no server version';
      checks.push({ name: 'docker API', ok: false, detail: `${describeHost(this.host)} does not answer: ${why}`, durationMs: elapsed() });
      if (health.disk) checks.push({ name: 'disk', ok: false, detail: 'not measured: the docker API is unreachable', durationMs: 0 });
      if (health.memory) checks.push({ name: 'memory', ok: false, detail: 'not measured: the docker API is unreachable', durationMs: 0 });
      return checks;
    }
    checks.push({
      name: 'docker API',
      ok: true,
      detail: `docker ${parsed.serverVersion} answers on ${describeHost(this.host)} via ${this.api.transport} (${parsed.running} containers running)`,
      durationMs: elapsed(),
    });
    if (health.disk) checks.push(await this.measure('disk', health.disk.minFreeMb, () => localFreeDisk(parsed.rootDir), `free on ${parsed.rootDir}`));
    if (health.memory) {
      checks.push(
        await this.measure('memory', health.memory.minAvailableMb, async () => (await localMemAvailable()) ?? Number.NaN, `available of ${mebibytes(parsed.memTotal)}`),
      );
    }
    return checks;
  }

  private async measure(name: string, floorMb: number, read: () => Promise<number>, what: string): Promise<CheckResult> {
    const started = performance.now();
    if (!this.host.local) {
      return {
        name,
        ok: false,
        detail: `cannot be measured on ${describeHost(this.host)}: lockstep reads it from the daemon's own machine (run it there, or drop the floor)`,
        durationMs: 0,
      };
    }
    try {
      const bytes = await read();
      if (Number.isNaN(bytes)) return { name, ok: false, detail: `the host does not report it`, durationMs: performance.now() - started };
      const ok = bytes >= floorMb * mib;
      return { name, ok, detail: `${mebibytes(bytes)} ${what}; floor ${floorMb} MiB`, durationMs: performance.now() - started };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      return { name, ok: false, detail: `cannot be read (${code})`, durationMs: performance.now() - started };
    }
  }

  async readLive(): Promise<LiveState> {
    const [containers, recorded] = await Promise.all([projectContainers(this.api, this.options.config.project), this.state.read()]);
    return liveStateFromContainers(containers, recorded?.lock ?? null);
  }

  /**
   * Before anything changes: compose must be installed, and what is not on the host yet is pulled, so
   * that a missing tool or image aborts with nothing touched.
   */
  async prepare(desired: DesiredState, progress: ProgressSink): Promise<void> {
    await detectCompose();
    const wanted = [...new Set(Object.values(desired.images))].sort();
    const present = await Promise.all(wanted.map(async (image) => (await this.api.json(`/images/${image}/json`, { ok: [200, 404] })).status === 200));
    const missing = wanted.filter((_image, index) => !present[index]);
    if (missing.length === 0) return;
    progress(`pulling ${missing.length} image${missing.length === 1 ? '' : 's'} onto ${describeHost(this.host)}`);
    const failures: string[] = [];
    await Promise.all(
      missing.map(async (image) => {
        const pulled = await docker(this.host, ['pull', '--quiet', image], { allowFailure: true, timeoutMs: 600_000 });
        if (pulled.exitCode !== 0) failures.push(`${image}: ${pulled.stderr.trim().split('\n').at(-1) ?? `exit ${pulled.exitCode}`}`);
      }),
    );
    if (failures.length > 0) throw new LockstepError('DOCKER', `could not pull ${failures.length} image(s); nothing was changed`, { details: failures.sort() });
  }

  /** Rolls out; images missing on the host are pulled by compose (`prepare` pulls them beforehand). */
  async apply(desired: DesiredState, progress: ProgressSink): Promise<void> {
    const services: Record<string, ServiceOverride> = {};
    for (const [service, image] of Object.entries(desired.images)) services[service] = { image };
    const override = await this.writeOverride('deploy.override.yaml', renderServiceOverride(services));
    await this.compose(['up', '--detach', '--no-build'], override, progress, { timeoutMs: this.options.config.healthTimeoutMs + 60_000 });
    await this.waitHealthy(desired.images, progress);
    await this.state.write(desired.lock);
  }

  async restore(previous: LiveState, services: string[], progress: ProgressSink): Promise<void> {
    const current = await this.readLive();
    const names = [...new Set([...services, ...Object.keys(previous.services), ...Object.keys(current.services)])];
    const changed = names.filter((name) => differs(previous.services[name], current.services[name])).sort();
    const plan = planRestore(previous, changed);
    const restored = Object.keys(plan.images);
    if (restored.length > 0) {
      const overrides: Record<string, ServiceOverride> = {};
      for (const service of restored) overrides[service] = { image: plan.images[service]! };
      progress(`restoring ${restored.join(', ')}`);
      // --no-deps: only the changed services are put back; everything else still runs as it did.
      const override = await this.writeOverride('restore.override.yaml', renderServiceOverride(overrides));
      await this.compose(['up', '--detach', '--no-build', '--no-deps', ...restored], override, progress, {
        timeoutMs: this.options.config.healthTimeoutMs + 60_000,
      });
    }
    if (plan.remove.length > 0) {
      progress(`removing ${plan.remove.join(', ')}, which did not run before`);
      await this.compose(['rm', '--stop', '--force', ...plan.remove], null, progress);
    }
    const wasHealthy = Object.fromEntries(Object.entries(plan.images).filter(([service]) => previous.services[service]?.healthy !== false));
    await this.waitHealthy(wasHealthy, progress);
    await this.state.write(plan.lock);
  }

  async mutableReferences(desired: DesiredState): Promise<string[]> {
    const env = { ...(this.options.env ?? process.env), ...this.options.config.env };
    const documents = await Promise.all(this.options.files.map(async (file) => interpolateDocument(parseYamlText(file, await readFile(file, 'utf8')), env)));
    return unpinnedServices(mergeImages(documents), Object.keys(desired.images));
  }

  async runMigration(migration: MigrationRun, progress: ProgressSink): Promise<void> {
    const project = this.options.config.project;
    if (migration.dependsOn.length > 0) await this.startDependencies(migration.dependsOn, progress);
    progress(`running the migration in ${migration.image}`);
    try {
      // --no-deps: compose would otherwise start (or recreate, from the files without lockstep's
      // digest override) whatever the service depends on; the migration meets what runs now.
      const override = await this.writeOverride('migration.override.yaml', renderMigrationOverride(migration));
      const result = await this.compose(['run', '--rm', '--no-deps', '-T', migrationService], override, progress, {
        allowFailure: true,
        timeoutMs: migration.timeoutMs,
      });
      if (result.exitCode !== 0) {
        const tail = `${result.stdout}\n${result.stderr}`.split('\n').map((line) => line.trimEnd()).filter(Boolean).slice(-8);
        throw new LockstepError('DEPLOY_FAILED', `the migration exited with ${result.exitCode}; nothing was rolled out`, { details: tail });
      }
    } catch (error) {
      if (error instanceof LockstepError && error.code === 'COMPOSE') {
        throw new LockstepError('DEPLOY_FAILED', `the migration did not finish (${error.message}); nothing was rolled out`, { details: error.details });
      }
      throw error;
    } finally {
      // A timed-out run leaves its container behind; it must not keep writing to the database.
      const leftovers = await containerIds(this.api, `com.docker.compose.project=${project}`, `com.docker.compose.service=${migrationService}`);
      await Promise.all(leftovers.map((id) => this.api.json(`/containers/${id}`, { method: 'DELETE', query: { force: 'true' }, ok: [204, 404] })));
    }
  }

  /** Starts services outside the lock the migration needs (a database) as the compose files define them. */
  private async startDependencies(services: string[], progress: ProgressSink): Promise<void> {
    progress(`starting ${services.join(', ')} for the migration`);
    await this.compose(['up', '--detach', '--no-build', '--no-deps', ...services], null, progress, { timeoutMs: this.options.config.healthTimeoutMs + 60_000 });
    const containers = await projectContainers(this.api, this.options.config.project);
    const expected = Object.fromEntries(services.map((service) => [service, containers.find((container) => container.service === service)?.configImage ?? '(none)']));
    await this.waitHealthy(expected, progress);
  }

  acquireLease(holder: string, ttlMs: number, now?: Date): Promise<LeaseResult> {
    return this.lease.acquire(holder, ttlMs, now);
  }

  async releaseLease(holder: string): Promise<void> {
    await this.lease.release(holder);
  }

  /** Waits until every expected service runs its expected image, healthy; fails fast on a crash. */
  private async waitHealthy(expected: Record<string, string>, progress: ProgressSink): Promise<void> {
    if (Object.keys(expected).length === 0) return;
    const { healthTimeoutMs, settleMs, project } = this.options.config;
    const deadline = Date.now() + healthTimeoutMs;
    let said = '';
    for (;;) {
      const containers = await projectContainers(this.api, project);
      const assessment = assessRollout(containers, expected, Date.now(), settleMs);
      if (assessment.failed.length > 0) {
        const details: string[] = [];
        for (const failure of assessment.failed) {
          details.push(`${failure.service}: ${failure.why}`);
          if (failure.container) details.push(...(await this.logTail(failure.container)).map((line) => `  ${failure.service} | ${line}`));
        }
        throw new LockstepError('DEPLOY_FAILED', `${assessment.failed.map((failure) => failure.service).join(', ')} did not come up healthy`, { details });
      }
      if (assessment.waiting.length === 0) {
        progress(`healthy: ${assessment.ready.join(', ')}`);
        return;
      }
      if (Date.now() > deadline) {
        throw new LockstepError('DEPLOY_FAILED', `not healthy within ${healthTimeoutMs} ms`, {
          details: assessment.waiting.map((entry) => `${entry.service}: ${entry.why}`),
        });
      }
      const now = `waiting for ${assessment.waiting.map((entry) => entry.service).join(', ')}`;
      if (now !== said) progress(now);
      said = now;
      await sleep(this.pollIntervalMs);
    }
  }

  private async logTail(container: string): Promise<string[]> {
    const logs = await docker(this.host, ['logs', '--tail', '5', container], { allowFailure: true, timeoutMs: 10_000 }).catch(() => null);
    if (!logs) return [];
    return `${logs.stdout}\n${logs.stderr}`.split('\n').map((line) => line.trimEnd()).filter(Boolean).slice(-5);
  }

  private async compose(args: string[], override: string | null, progress: ProgressSink, options: RunOptions = {}): Promise<RunResult> {
    const compose = await detectCompose();
    const { config, files, projectDirectory } = this.options;
    return runCompose(
      compose,
      { project: config.project, files: override ? [...files, override] : files, args, projectDirectory },
      {
        timeoutMs: 300_000,
        env: dockerEnv(this.host, config.env, this.options.env ?? process.env),
        onOutput: (chunk) => {
          for (const line of chunk.split(/\r?\n/)) if (line.trim()) progress(`  ${line.trim()}`);
        },
        ...options,
      },
    );
  }

  private async writeOverride(name: string, content: string): Promise<string> {
    const file = join(this.options.workDir, name);
    await writeAtomic(file, content);
    return file;
  }
}

interface DockerInfo {
  serverVersion: string;
  rootDir: string;
  memTotal: number;
  running: number;
}

function parseInfo(info: Record<string, unknown> | null): DockerInfo | null {
  if (!info || typeof info.ServerVersion !== 'string' || info.ServerVersion === '') return null;
  return {
    serverVersion: info.ServerVersion,
    rootDir: typeof info.DockerRootDir === 'string' ? info.DockerRootDir : '/var/lib/docker',
    memTotal: typeof info.MemTotal === 'number' ? info.MemTotal : 0,
    running: typeof info.ContainersRunning === 'number' ? info.ContainersRunning : 0,
  };
}

function differs(before: LiveService | undefined, now: LiveService | undefined): boolean {
  if (!before || !now) return before !== now;
  return before.image !== now.image || (before.imageId ?? null) !== (now.imageId ?? null);
}

/**
 * The `image` and `build` of every service across compose files, merged as compose merges them: a
 * later file's `image` replaces an earlier one; a `build` anywhere makes the service buildable.
 */
export function mergeImages(documents: unknown[]): { services: Record<string, { image?: string; build?: true }> } {
  const services: Record<string, { image?: string; build?: true }> = {};
  for (const document of documents) {
    const defined = (document as { services?: Record<string, unknown> } | null)?.services ?? {};
    for (const [name, service] of Object.entries(defined)) {
      const merged = (services[name] ??= {});
      const value = (service ?? {}) as { image?: unknown; build?: unknown };
      if (typeof value.image === 'string') merged.image = value.image;
      if (value.build !== undefined) merged.build = true;
    }
  }
  return { services };
}

/**
 * Services of a resolved compose configuration (`compose config`) that would run something not
 * pinned by digest: the ones the lock does not cover, by tag or built from source.
 */
export function unpinnedServices(config: unknown, locked: readonly string[]): string[] {
  const services = (config as { services?: Record<string, { image?: unknown; build?: unknown }> } | null)?.services ?? {};
  const found: string[] = [];
  for (const [name, service] of Object.entries(services).sort(([a], [b]) => a.localeCompare(b))) {
    if (locked.includes(name)) continue;
    const image = typeof service?.image === 'string' ? service.image : null;
    if (image === null) found.push(`${name}: built from source, not an image pinned by digest`);
    else if (digestOf(image) === null) found.push(`${name}: ${image} is not pinned by digest`);
  }
  return found;
}
