import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from '../errors.js';

/** Failures that say the path is wrong (the user's to fix), not that lockstep is broken. */
const pathProblems: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a directory',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
};
const writeCalls = new Set(['open', 'mkdir', 'write', 'rename', 'link', 'unlink', 'rmdir', 'copyfile', 'symlink', 'fsync']);

/**
 * An unwritable or unreadable path is the user's error naming that path (exit 2), never an internal
 * error: `file` names it when the error does not (Node's fs errors carry `path`). Anything else is
 * returned unchanged.
 */
export function pathFailure(error: unknown, file?: string): unknown {
  const failure = error as (NodeJS.ErrnoException & { path?: string }) | null;
  // mkdir -p over a file answers EEXIST: the same mistake as ENOTDIR.
  const code = failure?.code === 'EEXIST' && failure.syscall === 'mkdir' ? 'ENOTDIR' : (failure?.code ?? '');
  const problem = pathProblems[code];
  const path = file ?? failure?.path;
  if (!problem || !path) return error;
  const verb = writeCalls.has(failure?.syscall ?? 'open') ? 'written' : 'read';
  return new InputError(path, undefined, `cannot be ${verb}: ${problem}`, { cause: error });
}

/**
 * Writes a file so that readers see either the old content or the new, never half of it: the bytes go
 * to a temporary file in the same directory, are flushed, then renamed over the target.
 */
export async function writeAtomic(file: string, content: string | Uint8Array, options: { exclusive?: boolean } = {}): Promise<void> {
  try {
    await writeAtomicUnchecked(file, content, options);
  } catch (error) {
    throw pathFailure(error, file);
  }
}

async function writeAtomicUnchecked(file: string, content: string | Uint8Array, options: { exclusive?: boolean }): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    if (options.exclusive) {
      // A hard link fails when the target exists, which makes "never overwrite" atomic too.
      await link(temp, file);
      await rm(temp, { force: true });
    } else {
      await rename(temp, file);
    }
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
