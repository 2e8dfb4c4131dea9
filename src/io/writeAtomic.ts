import { link, mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Writes a file so that readers see either the old content or the new, never half of it: the bytes go
 * to a temporary file in the same directory, are flushed, then renamed over the target.
 */
export async function writeAtomic(file: string, content: string | Uint8Array, options: { exclusive?: boolean } = {}): Promise<void> {
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
