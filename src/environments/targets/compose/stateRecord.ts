import { LockstepError } from '../../../errors.js';
import { canonicalJson } from '../../../lock/canonical.js';
import { integrityMatches, lockId } from '../../../lock/integrity.js';
import { releaseLock, type ReleaseLock } from '../../../lock/schema.js';
import { containerIds, inspectContainers } from '../../../docker/containers.js';
import type { DockerApi } from '../../../docker/api.js';
import { ensureMarkerImage, markerImage } from './markerImage.js';

/**
 * The lock a compose environment runs is recorded on a marker container of its own, not as labels on
 * the services: labels are part of a container's configuration, so putting the lock there would make
 * compose recreate (restart) every service on every deploy, changed or not.
 */
export const stateLabels = {
  project: 'io.lockstep.state.project',
  integrity: 'io.lockstep.lock.integrity',
  id: 'io.lockstep.lock.id',
  lock: 'io.lockstep.lock',
  recordedAt: 'io.lockstep.state.recorded-at',
} as const;

export interface RecordedState {
  lock: ReleaseLock;
  recordedAt: string;
}

interface Marker {
  id: string;
  name: string;
  labels: Record<string, string>;
}

export class StateRecord {
  /** Marker ids seen by the last read: a write right after (under the lease) replaces exactly these. */
  private seen: string[] | null = null;

  constructor(
    private readonly api: DockerApi,
    private readonly project: string,
  ) {}

  /** The newest recorded lock whose integrity holds; a label edited by hand records nothing. */
  async read(): Promise<RecordedState | null> {
    const markers = await this.markers();
    this.seen = markers.map((marker) => marker.id);
    for (const marker of markers) {
      const state = parseRecord(marker.labels);
      if (state) return state;
    }
    return null;
  }

  /**
   * Records `lock` (or, with null, that no lock runs). The new marker is created before the old ones
   * are removed, so a run killed in between leaves two records, of which the newer one counts.
   */
  async write(lock: ReleaseLock | null, now: Date = new Date()): Promise<void> {
    const before = this.seen ?? (await this.markers()).map((marker) => marker.id);
    let created: string | null = null;
    if (lock) {
      await ensureMarkerImage(this.api);
      const recordedAt = now.toISOString();
      const name = `${this.project}-lockstep-state-${recordedAt.replace(/[^0-9]/g, '')}-${lockId(lock)}`;
      const labels = {
        [stateLabels.project]: this.project,
        [stateLabels.integrity]: lock.integrity,
        [stateLabels.id]: lockId(lock),
        [stateLabels.lock]: canonicalJson(lock),
        [stateLabels.recordedAt]: recordedAt,
      };
      const answer = await this.api.json<{ Id: string }>('/containers/create', {
        method: 'POST',
        query: { name },
        json: { Image: markerImage, Labels: labels, HostConfig: { NetworkMode: 'none' } },
        ok: [201],
      });
      if (!answer.value?.Id) throw new LockstepError('DOCKER', 'docker created the lock record but named no container id');
      created = answer.value.Id;
    }
    await Promise.all(before.map((id) => this.api.json(`/containers/${id}`, { method: 'DELETE', query: { force: 'true' }, ok: [204, 404] })));
    this.seen = created ? [created] : [];
  }

  /** Marker containers of this project, newest record first. */
  private async markers(): Promise<Marker[]> {
    const inspected = (await inspectContainers(this.api, await containerIds(this.api, `${stateLabels.project}=${this.project}`))) as Array<{
      Id: string;
      Name: string;
      Config: { Labels: Record<string, string> | null };
    }>;
    return inspected
      .map((item) => ({ id: item.Id, name: item.Name.replace(/^\//, ''), labels: item.Config.Labels ?? {} }))
      .sort((a, b) => (b.labels[stateLabels.recordedAt] ?? '').localeCompare(a.labels[stateLabels.recordedAt] ?? ''));
  }
}

export function parseRecord(labels: Record<string, string>): RecordedState | null {
  const text = labels[stateLabels.lock];
  if (!text) return null;
  try {
    const parsed = releaseLock.safeParse(JSON.parse(text));
    if (!parsed.success || !integrityMatches(parsed.data) || parsed.data.integrity !== labels[stateLabels.integrity]) return null;
    return { lock: parsed.data, recordedAt: labels[stateLabels.recordedAt] ?? '' };
  } catch {
    return null;
  }
}
