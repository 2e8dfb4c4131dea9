import { LockstepError } from '../../../errors.js';
import { decideLease, newLease } from '../../lease/decideLease.js';
import type { Lease, LeaseResult } from '../../target.js';
import { docker, type DockerHost } from './dockerHost.js';
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
  constructor(
    private readonly host: DockerHost,
    private readonly project: string,
  ) {}

  async acquire(holder: string, ttlMs: number, now: Date = new Date()): Promise<LeaseResult> {
    await ensureMarkerImage(this.host);
    const lease = newLease(holder, ttlMs, now);
    let tookOverStale: Lease | undefined;
    // Each round either creates the marker or removes exactly the stale one it inspected (by id), so
    // two runs taking over the same stale lease cannot both win: the second create conflicts.
    for (let round = 0; round < 4; round += 1) {
      if (await this.create(lease)) return tookOverStale ? { acquired: true, lease, tookOverStale } : { acquired: true, lease };
      const found = await this.read();
      if (found === null) continue;
      const decision = decideLease(found.lease, holder, now);
      if (decision.action === 'refuse') return { acquired: false, heldBy: decision.heldBy };
      if (decision.action === 'take-over' && decision.reason !== 'own') tookOverStale = decision.stale;
      await docker(this.host, ['rm', '--force', found.id], { allowFailure: true });
    }
    const holderNow = await this.read();
    if (holderNow) return { acquired: false, heldBy: holderNow.lease };
    throw new LockstepError('DOCKER', `could not create the lease container ${leaseContainerName(this.project)}`);
  }

  async release(holder: string): Promise<boolean> {
    const found = await this.read();
    // Someone took the lease over (ours had expired): it is theirs now, not ours to remove.
    if (found === null || found.lease.holder !== holder) return false;
    await docker(this.host, ['rm', '--force', found.id], { allowFailure: true });
    return true;
  }

  async read(): Promise<FoundLease | null> {
    const result = await docker(this.host, ['inspect', '--type', 'container', '--format', '{{json .Id}} {{json .Config.Labels}}', leaseContainerName(this.project)], {
      allowFailure: true,
    });
    if (result.exitCode !== 0) {
      if (/no such (container|object)/i.test(result.stderr)) return null;
      throw new LockstepError('DOCKER', `cannot read the lease of ${this.project}`, { details: result.stderr.trim().split('\n').slice(-3) });
    }
    const [idText, ...rest] = result.stdout.trim().split(' ');
    const labels = (JSON.parse(rest.join(' ')) ?? {}) as Record<string, string>;
    return {
      id: JSON.parse(idText ?? '""') as string,
      lease: {
        holder: labels[leaseLabels.holder] ?? '(unknown holder)',
        acquiredAt: labels[leaseLabels.acquiredAt] ?? '(unknown)',
        expiresAt: labels[leaseLabels.expiresAt] ?? '(unknown)',
      },
    };
  }

  private async create(lease: Lease): Promise<boolean> {
    const result = await docker(
      this.host,
      [
        'create',
        '--name',
        leaseContainerName(this.project),
        '--network',
        'none',
        '--label',
        `${leaseLabels.holder}=${lease.holder}`,
        '--label',
        `${leaseLabels.acquiredAt}=${lease.acquiredAt}`,
        '--label',
        `${leaseLabels.expiresAt}=${lease.expiresAt}`,
        '--label',
        `${leaseLabels.project}=${this.project}`,
        markerImage,
      ],
      { allowFailure: true },
    );
    if (result.exitCode === 0) return true;
    if (/already in use|conflict/i.test(result.stderr)) return false;
    throw new LockstepError('DOCKER', `could not create the lease container ${leaseContainerName(this.project)}`, {
      details: result.stderr.trim().split('\n').slice(-3),
    });
  }
}
