import { computeStatus, type EnvironmentStatus } from '../environments/drift.js';
import type { DeployTarget } from '../environments/target.js';
import { lockId } from '../lock/integrity.js';
import { renderTextTable, shortDigest, type Table } from '../render/table.js';

export interface StatusResult extends EnvironmentStatus {
  environment: string;
  target: string;
  lockId: string | null;
  /** The GitOps controller's view (Argo CD), when the target has one. */
  controller: { name: string; detail: string; ok: boolean } | null;
}

/** Which lock an environment records, and per service whether what runs is that lock. */
export async function readStatus(environment: string, target: DeployTarget): Promise<StatusResult> {
  const live = await target.readLive();
  const status = computeStatus(live);
  return {
    environment,
    target: target.describe?.() ?? `${target.kind} target`,
    lockId: live.lock ? lockId(live.lock) : null,
    controller: live.controller ?? null,
    ...status,
  };
}

export function renderStatusText(status: StatusResult): string {
  const table: Table = {
    headers: ['service', 'locked digest', 'live', 'state', 'drift'],
    rows: status.services.map((entry) => [
      entry.service,
      entry.locked ? shortDigest(entry.locked.digest) : '-',
      entry.live?.digest ? shortDigest(entry.live.digest) : (entry.live?.image ?? 'nothing'),
      entry.live?.state ?? 'missing',
      entry.drift === null ? (entry.locked ? 'in sync' : entry.detail) : `${entry.drift}: ${entry.detail}`,
    ]),
  };
  const headline = status.lockId
    ? `${status.environment} records lock ${status.lockId} (${status.target})`
    : `${status.environment} records no lock (${status.target})`;
  const verdict = status.inSync
    ? 'in sync: every locked service runs its digest'
    : status.lockId === null
      ? 'not deployed by lockstep'
      : `DRIFT in ${status.drifted.length} service${status.drifted.length === 1 ? '' : 's'}: ${status.drifted.join(', ')}`;
  const controller = status.controller ? `${status.controller.name}: ${status.controller.detail}\n` : '';
  return `${headline}\n\n${renderTextTable(table)}\n\n${verdict}\n${controller}`;
}
