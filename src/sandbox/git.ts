import { run, type RunResult } from '../exec/run.js';

/**
 * git for sandbox repositories: no user or system config (hooks, signing, default branch names stay
 * out), a fixed identity, and commit dates derived from a counter, so the same content always gives
 * the same commit, and therefore the same image tag, in every test run.
 */
const epoch = Date.parse('2026-01-01T00:00:00Z') / 1000;

export function sandboxGitEnv(commitIndex = 0): NodeJS.ProcessEnv {
  const date = `${epoch + commitIndex * 60} +0000`;
  return {
    ...process.env,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'lockstep sandbox',
    GIT_AUTHOR_EMAIL: 'sandbox@lockstep.invalid',
    GIT_COMMITTER_NAME: 'lockstep sandbox',
    GIT_COMMITTER_EMAIL: 'sandbox@lockstep.invalid',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
}

export function git(dir: string, args: string[], commitIndex = 0): Promise<RunResult> {
  return run('git', ['-C', dir, '-c', 'init.defaultBranch=main', '-c', 'protocol.file.allow=always', '-c', 'commit.gpgsign=false', ...args], {
    env: sandboxGitEnv(commitIndex),
    errorCode: 'GIT',
  });
}

export async function headCommit(dir: string): Promise<string> {
  return (await git(dir, ['rev-parse', 'HEAD'])).stdout.trim();
}

/** Commits everything in the work tree; the commit's date is its position in the history. */
export async function commitAll(dir: string, message: string): Promise<string> {
  const count = await git(dir, ['rev-list', '--count', '--all']).then(
    (result) => Number(result.stdout.trim()),
    () => 0,
  );
  await git(dir, ['add', '--all']);
  await git(dir, ['commit', '--quiet', '--message', message], count);
  return headCommit(dir);
}
