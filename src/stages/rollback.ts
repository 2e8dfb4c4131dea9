import { InputError, LockstepError } from '../errors.js';
import { listReleases } from '../environments/releases/archive.js';
import { chooseRollback } from '../environments/releases/selectRelease.js';
import { deployLock, type DeployInput, type DeployResult } from './deploy.js';

export interface RollbackInput extends Omit<DeployInput, 'lock'> {
  releasesDir: string;
  /** A version to return to; by default the release before the one live. */
  to?: string;
}

export interface RollbackResult {
  from: { version: string | null; integrity: string | null };
  to: { version: string; lockPath: string; integrity: string };
  deploy: DeployResult;
}

/**
 * Redeploys an archived release through the same path as any deploy (registry check, health gate,
 * lease, restore on failure): only digests move, nothing is rebuilt.
 */
export async function rollback(input: RollbackInput): Promise<RollbackResult> {
  const releases = await listReleases(input.releasesDir);
  const live = await input.target.readLive();
  const choice = chooseRollback(releases, live.lockIntegrity, input.to);
  if (!choice.ok) {
    if (input.to !== undefined) throw new InputError('--to', undefined, choice.problem);
    throw new LockstepError('NOT_FOUND', `cannot roll back ${input.environment}: ${choice.problem}`);
  }
  const release = releases.find((candidate) => candidate.version === choice.release.version);
  if (!release) throw new LockstepError('NOT_FOUND', `cannot roll back ${input.environment}: release ${choice.release.version} is no longer archived`);
  input.progress(`rolling ${input.environment} back to ${release.version}${choice.live ? ` (live: ${choice.live.version})` : ''}`);
  const deploy = await deployLock({ ...input, lock: release.lock });
  return {
    from: { version: choice.live?.version ?? null, integrity: live.lockIntegrity },
    to: { version: release.version, lockPath: release.file, integrity: release.integrity },
    deploy,
  };
}
