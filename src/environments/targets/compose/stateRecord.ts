import { LockstepError } from '../../../errors.js';
import { canonicalJson } from '../../../lock/canonical.js';
import { integrityMatches, lockId } from '../../../lock/integrity.js';
import { releaseLock, type ReleaseLock } from '../../../lock/schema.js';
import { docker, type DockerHost } from './dockerHost.js';
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
  constructor(
    private readonly host: DockerHost,
    private readonly project: string,
  ) {}

  /** The newest recorded lock whose integrity holds; a label edited by hand records nothing. */
  async read(): Promise<RecordedState | null> {
    const markers = await this.markers();
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
    const before = await this.markers();
    if (lock) {
      await ensureMarkerImage(this.host);
      const recordedAt = now.toISOString();
      const name = `${this.project}-lockstep-state-${recordedAt.replace(/[^0-9]/g, '')}-${lockId(lock)}`;
      const labels = {
        [stateLabels.project]: this.project,
        [stateLabels.integrity]: lock.integrity,
        [stateLabels.id]: lockId(lock),
        [stateLabels.lock]: canonicalJson(lock),
        [stateLabels.recordedAt]: recordedAt,
      };
      const args = ['create', '--name', name, '--network', 'none', ...Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]), markerImage];
      await docker(this.host, args);
    }
    if (before.length > 0) await docker(this.host, ['rm', '--force', ...before.map((marker) => marker.id)], { allowFailure: true });
  }

  /** Marker containers of this project, newest record first. */
  private async markers(): Promise<Marker[]> {
    const listed = await docker(this.host, ['ps', '--all', '--quiet', '--no-trunc', '--filter', `label=${stateLabels.project}=${this.project}`]);
    const ids = listed.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
    if (ids.length === 0) return [];
    const result = await docker(this.host, ['inspect', '--type', 'container', '--format', '{{json .Id}}\t{{json .Name}}\t{{json .Config.Labels}}', ...ids], {
      allowFailure: true,
    });
    if (result.exitCode !== 0 && result.stdout.trim() === '') {
      throw new LockstepError('DOCKER', `cannot read the recorded lock of ${this.project}`, { details: result.stderr.trim().split('\n').slice(-3) });
    }
    return result.stdout
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => {
        const [id, name, labels] = line.split('\t').map((part) => JSON.parse(part) as unknown);
        return { id: id as string, name: (name as string).replace(/^\//, ''), labels: (labels ?? {}) as Record<string, string> };
      })
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
