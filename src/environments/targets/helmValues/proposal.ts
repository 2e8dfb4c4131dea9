import { diffLocks } from '../../../lock/diff.js';
import { lockId } from '../../../lock/integrity.js';
import { renderDiffMarkdown } from '../../../lock/render.js';
import type { ReleaseLock } from '../../../lock/schema.js';

/** What the GitHub stage needs to open the pull request on the config repository. */
export interface HelmValuesProposal {
  environment: string;
  /** The config repository as configured (URL or path). */
  repository: string;
  baseBranch: string;
  /** Where the change is: `lockstep/<env>/<lock id>` for a pull request, the base branch in direct mode. */
  branch: string;
  baseCommit: string;
  commit: string;
  /** False when the base branch already holds exactly this lock: nothing was committed or pushed. */
  changed: boolean;
  valuesFile: string;
  lockFile: string;
  /** Services whose digest the change moves. */
  services: string[];
  title: string;
  body: string;
}

export function proposalBranch(environment: string, lock: ReleaseLock): string {
  return `lockstep/${environment}/${lockId(lock)}`;
}

export function proposalTitle(environment: string, lock: ReleaseLock): string {
  return `Deploy lock ${lockId(lock)} to ${environment}`;
}

export function movedServices(previous: ReleaseLock | null, lock: ReleaseLock): string[] {
  return Object.entries(lock.services)
    .filter(([service, locked]) => previous?.services[service]?.digest !== locked.digest)
    .map(([service]) => service)
    .sort();
}

/** The trailer naming the lock a commit records; a rollback finds the bump commit to revert by it. */
export const lockTrailer = 'Lockstep-Lock: ';

/** The commit message: subject, the moved services, and a trailer naming the lock. */
export function commitMessage(environment: string, lock: ReleaseLock, previous: ReleaseLock | null): string {
  const moved = movedServices(previous, lock);
  const lines = moved.map((service) => `- ${service}: ${lock.services[service]!.tag} (${lock.services[service]!.digest})`);
  return `${proposalTitle(environment, lock)}\n\n${lines.length > 0 ? lines.join('\n') : 'No digest changes; records the lock.'}\n\n${lockTrailer}${lock.integrity}\n`;
}

export function proposalBody(environment: string, lock: ReleaseLock, previous: ReleaseLock | null, files: { valuesFile: string; lockFile: string }): string {
  const from = previous ? `lock \`${lockId(previous)}\`` : 'no recorded lock';
  return [
    `Deploys release lock \`${lockId(lock)}\` to **${environment}**: every service pinned by digest in \`${files.valuesFile}\`, the lock recorded in \`${files.lockFile}\`.`,
    '',
    `Changes from ${from}:`,
    '',
    renderDiffMarkdown(diffLocks(previous, lock)),
    '',
    `Lock integrity: \`${lock.integrity}\`. Merging deploys it; the GitOps controller applies the digests as written.`,
  ].join('\n');
}
