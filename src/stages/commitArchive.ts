import { archiveCommitMessage, decideArchiveCommit } from '../github/archiveCommit.js';
import type { GitHubDeps } from '../github/port.js';
import { readRemoteLock } from '../github/remoteLock.js';
import { LockstepError } from '../errors.js';
import { lockId } from '../lock/integrity.js';
import type { ReleaseLock } from '../lock/schema.js';
import { serializeLock } from '../lock/serialize.js';
import { shortCommit } from '../render/table.js';

export interface CommitArchiveInput {
  version: string;
  /** The archived lock, as `release archive` wrote it. */
  lock: ReleaseLock;
  /** Its path in the repository (`locks/releases/<version>.lock.yaml`). */
  path: string;
  branch: string;
}

export interface CommitArchiveResult {
  action: 'committed' | 'unchanged';
  version: string;
  branch: string;
  path: string;
  lockId: string;
  /** The branch head after the run. */
  commit: string;
}

/** A push between reading the head and moving it is retried on the new head this many times. */
const attempts = 3;

/**
 * Commits an archived release to the production branch through the git data API, so that the
 * rollback of any later checkout finds it. Only this one file is added, on whatever the branch holds
 * now: a concurrent push is not overwritten (the ref moves only as a fast-forward) but retried on.
 */
export async function commitArchive(input: CommitArchiveInput, deps: GitHubDeps): Promise<CommitArchiveResult> {
  const { github } = deps;
  const content = Buffer.from(serializeLock(input.lock), 'utf8');
  const base = { version: input.version, branch: input.branch, path: input.path, lockId: lockId(input.lock) };
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const head = await github.getBranchHead(input.branch);
    const decision = decideArchiveCommit(await readRemoteLock(github, input.path, head), input.lock.integrity);
    if (decision.action === 'refuse') {
      throw new LockstepError('CONFLICT', `refusing to archive ${input.version} on ${input.branch}: ${decision.reason}`, {
        hint: 'an archived release is never replaced: release this lock under a new version',
      });
    }
    if (decision.action === 'unchanged') {
      deps.progress?.(`release commit: ${input.branch} already archives ${input.version} in ${input.path}`);
      return { ...base, action: 'unchanged', commit: head };
    }
    const outcome = await github.commitFile({ branch: input.branch, parent: head, path: input.path, content, message: archiveCommitMessage(input.version) });
    if ('commit' in outcome) {
      deps.progress?.(`release commit: committed ${input.path} to ${input.branch} as ${shortCommit(outcome.commit)}`);
      return { ...base, action: 'committed', commit: outcome.commit };
    }
    deps.progress?.(`release commit: ${input.branch} moved while committing; trying again on its new head`);
  }
  throw new LockstepError('CONFLICT', `could not archive ${input.version} on ${input.branch}: it kept moving (${attempts} attempts)`, {
    hint: `rerun: lockstep release commit-archive --version ${input.version}`,
  });
}
