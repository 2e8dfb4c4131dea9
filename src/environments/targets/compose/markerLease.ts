import { setTimeout as delay } from 'node:timers/promises';
import { LockstepError } from '../../../errors.js';
import { decideLease, newLease } from '../../lease/decideLease.js';
import type { Lease, LeaseResult } from '../../target.js';
import type { DockerApi } from '../../../docker/api.js';
import { ensureMarkerImage, markerImage } from './markerImage.js';

/**
 * The lease of a compose environment is a container that never runs, named after the project. The
 * daemon refuses a second container of the same name, which makes acquiring atomic without any
 * other coordination; its labels say who holds it and until when.
 */
const leaseLabels = {
  holder: 'io.lockstep.lease.holder',
  acquiredAt: 'io.lockstep.lease.acquired-at',
  expiresAt: 'io.lockstep.lease.expires-at',
  project: 'io.lockstep.lease.project',
} as const;

export function leaseContainerName(project: string): string {
  return `${project}-lockstep-lease`;
}

interface FoundLease {
  id: string;
  lease: Lease;
}

export class MarkerLease {
  /** The marker this process created, removed by id on release without reading it again. */
  private held: { id: string; holder: string } | null = null;

  constructor(
    private readonly api: DockerApi,
    private readonly project: string,
  ) {}

  async acquire(holder: string, ttlMs: number, now: Date = new Date()): Promise<LeaseResult> {
    await ensureMarkerImage(this.api);
    const lease = newLease(holder, ttlMs, now);
    let tookOverStale: Lease | undefined;
    // Each round either creates the marker or removes exactly the stale one it inspected (by id), so
    // two runs taking over the same stale lease cannot both win: the second create conflicts.
    for (let round = 0; round < 4; round += 1) {
      const id = await this.create(lease);
      if (id !== null) {
        this.held = { id, holder };
        return tookOverStale ? { acquired: true, lease, tookOverStale } : { acquired: true, lease };
      }
      const found = await this.read();
      if (found === null) {
        // Docker reserves the name before the other run's container exists: its create answered 409,
        // yet the name does not inspect yet. Give that create a moment to finish before the next round.
        await delay(50 * (round + 1));
        continue;
      }
      const decision = decideLease(found.lease, holder, now);
      if (decision.action === 'refuse') return { acquired: false, heldBy: decision.heldBy };
      if (decision.action === 'take-over' && decision.reason !== 'own') tookOverStale = decision.stale;
      await this.remove(found.id);
    }
    const holderNow = await this.read();
    if (holderNow) return { acquired: false, heldBy: holderNow.lease };
    throw new LockstepError('DOCKER', `could not create the lease container ${leaseContainerName(this.project)}`);
  }

  async release(holder: string): Promise<boolean> {
    if (this.held?.holder === holder) {
      // By id: if the lease expired and another run took it over, its marker has another id and stays.
      const removed = await this.remove(this.held.id);
      this.held = null;
      return removed;
    }
    const found = await this.read();
    // Someone took the lease over (ours had expired): it is theirs now, not ours to remove.
    if (found === null || found.lease.holder !== holder) return false;
    return this.remove(found.id);
  }

  private async remove(id: string): Promise<boolean> {
    const removed = await this.api.json(`/containers/${id}`, { method: 'DELETE', query: { force: 'true' }, ok: [204, 404] });
    return removed.status === 204;
  }

  async read(): Promise<FoundLease | null> {
    const found = await this.api.json<{ Id: string; Config: { Labels: Record<string, string> | null } }>(
      `/containers/${leaseContainerName(this.project)}/json`,
      { ok: [200, 404] },
    );
    if (found.value === null) return null;
    const labels = found.value.Config.Labels ?? {};
    return {
      id: found.value.Id,
      lease: {
        holder: labels[leaseLabels.holder] ?? '(unknown holder)',
        acquiredAt: labels[leaseLabels.acquiredAt] ?? '(unknown)',
        expiresAt: labels[leaseLabels.expiresAt] ?? '(unknown)',
      },
    };
  }

  /** The new marker's id, or null when the name is taken. */
  private async create(lease: Lease): Promise<string | null> {
    const created = await this.api.json<{ Id: string }>('/containers/create', {
      method: 'POST',
      query: { name: leaseContainerName(this.project) },
      json: {
        Image: markerImage,
        Labels: {
          [leaseLabels.holder]: lease.holder,
          [leaseLabels.acquiredAt]: lease.acquiredAt,
          [leaseLabels.expiresAt]: lease.expiresAt,
          [leaseLabels.project]: this.project,
        },
        HostConfig: { NetworkMode: 'none' },
      },
      ok: [201, 409],
    });
    if (created.status !== 201) return null;
    if (!created.value?.Id) throw new LockstepError('DOCKER', 'docker created the lease marker but named no container id');
    return created.value.Id;
  }
}
