import { InputError, LockstepError } from '../errors.js';
import { lastLines, run } from '../exec/run.js';

export interface ResolvedRef {
  /** The ref as recorded in a lock: the full name (`refs/heads/dev`) when it has one, else as given. */
  name: string;
  /** The commit it points at (40 hex). */
  commit: string;
  /** The repository's top-level directory. */
  topLevel: string;
}

/**
 * Resolves a ref of the repository at `repoDir` to a commit. Refs starting with "-" are refused up
 * front: git would read them as options.
 */
export async function resolveRef(repoDir: string, ref: string): Promise<ResolvedRef> {
  if (ref === '' || ref.startsWith('-') || /[\s\0]/.test(ref)) {
    throw new InputError('--ref', undefined, `"${ref}" is not a git ref or commit`);
  }
  // Both questions go to git at once; the second answer counts only once the first found a commit.
  const [verified, named] = await Promise.all([
    run('git', ['-C', repoDir, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { errorCode: 'GIT', allowFailure: true }),
    run('git', ['-C', repoDir, 'rev-parse', '--show-toplevel', '--symbolic-full-name', ref], { errorCode: 'GIT', allowFailure: true }),
  ]);
  const commit = verified.stdout.trim();
  if (verified.exitCode !== 0 || !/^[0-9a-f]{40}$/.test(commit)) {
    const hint = 'run lockstep in the orchestrator repository or pass --repo <dir>';
    if (/cannot change to/i.test(verified.stderr)) throw new LockstepError('GIT', `${repoDir} does not exist or is not a directory`, { hint });
    if (/not a git repository/i.test(verified.stderr)) throw new LockstepError('GIT', `${repoDir} is not a git repository`, { hint });
    // --quiet makes an unknown ref exit 1 in silence; anything else is git failing and saying why.
    if (verified.exitCode !== 1 || verified.stderr.trim() !== '') {
      throw new LockstepError('GIT', `git rev-parse failed in ${repoDir}`, { details: lastLines(verified.stderr, 5) });
    }
    throw new LockstepError('GIT', `${ref} does not name a commit in ${repoDir}`);
  }
  if (named.exitCode !== 0) throw new LockstepError('GIT', `git rev-parse failed in ${repoDir}`, { details: lastLines(named.stderr, 5) });
  const [topLevel = repoDir, fullName = ''] = named.stdout.split('\n');
  return { name: fullName.startsWith('refs/') ? fullName : ref, commit, topLevel };
}
