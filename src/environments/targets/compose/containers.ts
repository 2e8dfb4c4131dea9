import { z } from 'zod';
import { LockstepError } from '../../../errors.js';
import { labelFilter, type DockerApi } from './dockerApi.js';

export const composeLabels = {
  project: 'com.docker.compose.project',
  service: 'com.docker.compose.service',
  oneOff: 'com.docker.compose.oneoff',
} as const;

/** The subset of `docker inspect` a deploy needs; everything else docker reports is ignored. */
const inspected = z.looseObject({
  Id: z.string(),
  Name: z.string(),
  Image: z.string(),
  Config: z.looseObject({ Image: z.string(), Labels: z.record(z.string(), z.string()).nullable().optional() }),
  State: z.looseObject({
    Status: z.string(),
    Running: z.boolean(),
    Restarting: z.boolean().optional(),
    ExitCode: z.number().optional(),
    StartedAt: z.string().optional(),
    Health: z
      .looseObject({ Status: z.string(), Log: z.array(z.looseObject({ Output: z.string().optional() })).nullable().optional() })
      .nullable()
      .optional(),
  }),
  RestartCount: z.number().optional(),
});

export interface ContainerInfo {
  id: string;
  name: string;
  /** The compose service, or null for a container compose did not create. */
  service: string | null;
  oneOff: boolean;
  /** The reference the container was created from (`repo@sha256:...`, `repo:tag` or an image id). */
  configImage: string;
  imageId: string;
  labels: Record<string, string>;
  status: string;
  running: boolean;
  restarting: boolean;
  exitCode: number;
  startedAt: string | null;
  /** healthy | unhealthy | starting, or null when the image defines no healthcheck. */
  health: string | null;
  /** The last line the healthcheck printed, for messages. */
  lastHealthOutput: string | null;
  restartCount: number;
}

export function toContainerInfo(raw: unknown): ContainerInfo {
  const parsed = inspected.safeParse(raw);
  if (!parsed.success) throw new LockstepError('DOCKER', `docker inspect returned an unexpected shape (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const item = parsed.data;
  const labels = item.Config.Labels ?? {};
  return {
    id: item.Id,
    name: item.Name.replace(/^\//, ''),
    service: labels[composeLabels.service] ?? null,
    oneOff: labels[composeLabels.oneOff] === 'True',
    configImage: item.Config.Image,
    imageId: item.Image,
    labels,
    status: item.State.Status,
    running: item.State.Running,
    restarting: item.State.Restarting ?? item.State.Status === 'restarting',
    exitCode: item.State.ExitCode ?? 0,
    startedAt: item.State.StartedAt && !item.State.StartedAt.startsWith('0001-') ? item.State.StartedAt : null,
    health: item.State.Health?.Status ?? null,
    lastHealthOutput: item.State.Health?.Log?.at(-1)?.Output?.trim().split('\n').at(-1) || null,
    restartCount: item.RestartCount ?? 0,
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

/** Every container of a compose project (running or not), one-off containers excluded. */
export async function projectContainers(api: DockerApi, project: string): Promise<ContainerInfo[]> {
  const inspected = await inspectContainers(api, await containerIds(api, `${composeLabels.project}=${project}`));
  return inspected.map(toContainerInfo).filter((container) => !container.oneOff);
}
