import { z } from 'zod';
import { LockstepError } from '../errors.js';
import { labelFilter, type DockerApi } from './api.js';

export const composeLabels = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  oneOff: 'com.docker.compose.oneoff',
} as const;

/** The subset of `docker inspect` lockstep reads; everything else docker reports is ignored. */
const inspected = z.looseObject({
  Id: z.string(),
  Name: z.string(),
  Image: z.string(),
  Config: z.looseObject({
    Image: z.string(),
    Labels: z.record(z.string(), z.string()).nullable().optional(),
    Healthcheck: z
      .looseObject({ Test: z.array(z.string()).nullable().optional(), Interval: z.number().optional(), Retries: z.number().optional(), StartPeriod: z.number().optional() })
      .nullable()
      .optional(),
  }),
  State: z.looseObject({
    Status: z.string(),
    Running: z.boolean(),
    Restarting: z.boolean().optional(),
    ExitCode: z.number().optional(),
    StartedAt: z.string().optional(),
    Health: z
      .looseObject({
        Status: z.string(),
        FailingStreak: z.number().optional(),
        Log: z
          .array(z.looseObject({ Start: z.string().optional(), ExitCode: z.number().optional(), Output: z.string().optional() }))
          .nullable()
          .optional(),
      })
      .nullable()
      .optional(),
  }),
  RestartCount: z.number().optional(),
  NetworkSettings: z
    .looseObject({
      Ports: z.record(z.string(), z.array(z.looseObject({ HostIp: z.string(), HostPort: z.string() })).nullable()).nullable().optional(),
    })
    .nullable()
    .optional(),
});

/** One health probe docker ran, as its health log keeps the last few. */
export interface HealthProbe {
  /** Milliseconds since the epoch. */
  startedAt: number;
  exitCode: number;
}

/** One container, as every part of lockstep that waits on or reads docker sees it. */
export interface Container {
  id: string;
  name: string;
  /** The compose service, or null for a container compose did not create. */
  service: string | null;
  oneOff: boolean;
  /** The reference the container was created from (`repo@sha256:...`, `repo:tag` or an image id). */
  image: string;
  imageId: string;
  labels: Record<string, string>;
  status: string;
  running: boolean;
  restarting: boolean;
  exitCode: number;
  startedAt: string | null;
  /** null when the container has no healthcheck. */
  health: 'starting' | 'healthy' | 'unhealthy' | null;
  /** The last line the healthcheck printed, for messages. */
  lastHealthOutput: string | null;
  /** The healthcheck's own bound: this many failed probes in a row, `intervalMs` apart, once `startPeriodMs` is over. */
  healthcheck: { retries: number; intervalMs: number; startPeriodMs: number } | null;
  /** Docker's failing streak (it does not count probes during the start period). */
  failingStreak: number;
  probes: HealthProbe[];
  restartCount: number;
  /** `container port/proto` -> `host:port` bindings. */
  published: Record<string, string[]>;
}

/** Docker's defaults for a healthcheck that sets neither. */
const defaultIntervalMs = 30_000;
const defaultRetries = 3;

export function toContainer(raw: unknown): Container {
  const parsed = inspected.safeParse(raw);
  if (!parsed.success) throw new LockstepError('DOCKER', `docker inspect returned an unexpected shape (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const item = parsed.data;
  const labels = item.Config.Labels ?? {};
  const health = item.State.Health?.Status;
  const test = item.Config.Healthcheck?.Test ?? null;
  const published: Record<string, string[]> = {};
  for (const [port, bindings] of Object.entries(item.NetworkSettings?.Ports ?? {})) {
    if (bindings && bindings.length > 0) published[port] = bindings.map((binding) => `${binding.HostIp}:${binding.HostPort}`);
  }
  return {
    id: item.Id,
    name: item.Name.replace(/^\//, ''),
    service: labels[composeLabels.service] ?? null,
    oneOff: labels[composeLabels.oneOff] === 'True',
    image: item.Config.Image,
    imageId: item.Image,
    labels,
    status: item.State.Status,
    running: item.State.Running,
    restarting: item.State.Restarting ?? item.State.Status === 'restarting',
    exitCode: item.State.ExitCode ?? 0,
    startedAt: item.State.StartedAt && !item.State.StartedAt.startsWith('0001-') ? item.State.StartedAt : null,
    health: health === 'starting' || health === 'healthy' || health === 'unhealthy' ? health : null,
    lastHealthOutput: item.State.Health?.Log?.at(-1)?.Output?.trim().split('\n').at(-1) || null,
    healthcheck: test && test.length > 0 && test[0] !== 'NONE' ? healthcheckBound(item.Config.Healthcheck ?? {}) : null,
    failingStreak: item.State.Health?.FailingStreak ?? 0,
    probes: (item.State.Health?.Log ?? [])
      .map((probe) => ({ startedAt: probe.Start ? Date.parse(probe.Start) : Number.NaN, exitCode: probe.ExitCode ?? 0 }))
      .filter((probe) => !Number.isNaN(probe.startedAt)),
    restartCount: item.RestartCount ?? 0,
    published,
  };
}

/** Docker's healthcheck durations are nanoseconds; 0 means its default. */
function healthcheckBound(check: { Interval?: number; Retries?: number; StartPeriod?: number }): NonNullable<Container['healthcheck']> {
  return {
    retries: check.Retries || defaultRetries,
    intervalMs: check.Interval ? check.Interval / 1e6 : defaultIntervalMs,
    startPeriodMs: (check.StartPeriod ?? 0) / 1e6,
  };
}

/** Ids of every container (running or not) carrying all these labels (`key=value`). */
export async function containerIds(api: DockerApi, ...labels: string[]): Promise<string[]> {
  const { value } = await api.json<Array<{ Id: string }>>('/containers/json', { query: { all: 'true', ...labelFilter(...labels) } });
  return (value ?? []).map((container) => container.Id);
}

/** Inspects containers at once; one removed in the meantime is simply left out. */
export async function inspectContainers(api: DockerApi, ids: readonly string[]): Promise<unknown[]> {
  const answers = await Promise.all(ids.map((id) => api.json<unknown>(`/containers/${id}/json`, { ok: [200, 404] })));
  return answers.filter((answer) => answer.status === 200).map((answer) => answer.value);
}

/** Every container carrying all these labels (`key=value`), inspected. */
export async function labelledContainers(api: DockerApi, ...labels: string[]): Promise<Container[]> {
  return (await inspectContainers(api, await containerIds(api, ...labels))).map(toContainer);
}

/** Every container of a compose project (running or not), one-off containers excluded. */
export async function projectContainers(api: DockerApi, project: string): Promise<Container[]> {
  return (await labelledContainers(api, `${composeLabels.project}=${project}`)).filter((container) => !container.oneOff);
}

/** Removes a container and its anonymous volumes, running or not; one already gone counts as removed. */
export async function removeContainer(api: DockerApi, id: string): Promise<void> {
  await api.json(`/containers/${encodeURIComponent(id)}`, { method: 'DELETE', query: { force: 'true', v: 'true' }, ok: [204, 404] });
}

/** The last lines a container wrote, stdout and stderr merged in the order they were written. */
export async function containerLogTail(api: DockerApi, id: string, lines: number): Promise<string[]> {
  const response = await api.call(`/containers/${id}/logs`, { query: { stdout: '1', stderr: '1', timestamps: '1', tail: String(lines) }, timeoutMs: 10_000 });
  if (response.status !== 200) return [];
  const { stdout, stderr } = demultiplexLogs(response.bytes);
  return mergeTimestampedLogs(stdout, stderr, lines);
}

/**
 * The engine's log stream of a container without a TTY: frames of an 8-byte header (stream 1 or 2,
 * three zero bytes, the payload's length big-endian) and the payload. With a TTY it is one raw stream.
 */
export function demultiplexLogs(bytes: Buffer): { stdout: string; stderr: string } {
  const framed = bytes.length >= 8 && (bytes[0] === 1 || bytes[0] === 2) && bytes[1] === 0 && bytes[2] === 0 && bytes[3] === 0;
  if (!framed) return { stdout: bytes.toString('utf8'), stderr: '' };
  const streams: Record<number, Buffer[]> = { 1: [], 2: [] };
  for (let offset = 0; offset + 8 <= bytes.length; ) {
    const stream = bytes.readUInt8(offset);
    const size = bytes.readUInt32BE(offset + 4);
    streams[stream]?.push(bytes.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return { stdout: Buffer.concat(streams[1] ?? []).toString('utf8'), stderr: Buffer.concat(streams[2] ?? []).toString('utf8') };
}

/** Merges `docker logs --timestamps` streams (RFC 3339 nano prefixes sort as text) and drops the stamps. */
export function mergeTimestampedLogs(stdout: string, stderr: string, lines: number): string[] {
  const stamped = [...stdout.split('\n'), ...stderr.split('\n')]
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .map((line) => {
      const match = /^(\d{4}-\d\d-\d\dT[0-9:.]+Z) ?(.*)$/.exec(line);
      return match ? { at: match[1] ?? '', text: match[2] ?? '' } : { at: '', text: line };
    });
  stamped.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return stamped.map((entry) => entry.text).filter((text) => text.length > 0).slice(-lines);
}
