import { InputError } from '../errors.js';
import { run } from '../exec/run.js';
import { resolveRef } from '../git/resolveRef.js';
import { parseYamlText, validate } from '../io/readDocument.js';
import { checkIntegrity } from './read.js';
import { releaseLock, type ReleaseLock } from './schema.js';

/**
 * The lock committed at `path` on `ref` of the orchestrator (the target branch's current lock), read
 * with `git show` so no checkout is needed. A ref without a lock yields undefined: a first release has
 * nothing to start from. A lock that is there must be valid, as any lock lockstep reads.
 */
export async function readLockAtRef(repoDir: string, ref: string, path: string): Promise<{ file: string; lock: ReleaseLock } | undefined> {
  const resolved = await resolveRef(repoDir, ref);
  const file = `${ref}:${path}`;
  const shown = await run('git', ['-C', repoDir, 'show', `${resolved.commit}:${path}`], { errorCode: 'GIT', allowFailure: true, timeoutMs: 60_000 });
  if (shown.exitCode !== 0) return undefined;
  if (shown.stdout.trim() === '') throw new InputError(file, undefined, 'is empty');
  const lock = validate(file, releaseLock, parseYamlText(file, shown.stdout));
  checkIntegrity(file, lock);
  return { file, lock };
}
