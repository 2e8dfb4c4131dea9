import { mkdir, readFile, rmdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeAtomic } from '../../src/io/writeAtomic.js';
import { repoRoot } from './harness.js';

/**
 * The one-line result of each reliability category, printed and kept in report/reliability/summary.txt
 * (the README quotes it). Test files run in separate processes, possibly at once, so the file is
 * rewritten under a directory lock, one line per category in a fixed order.
 */
export type Category = 'bad inputs' | 'faults' | 'secrets';

const order: Category[] = ['bad inputs', 'faults', 'secrets'];
export const summaryDir = join(repoRoot, 'report', 'reliability');
export const summaryFile = join(summaryDir, 'summary.txt');

export async function recordSummary(category: Category, line: string): Promise<void> {
  if (!line.startsWith(`${category}: `)) throw new Error(`a ${category} summary must start with "${category}: "`);
  console.log(line);
  await mkdir(summaryDir, { recursive: true });
  const lock = join(summaryDir, '.summary.lock');
  for (let attempt = 0; ; attempt += 1) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 200) throw error;
      // A run killed while holding the lock must not block every later one.
      const held = await stat(lock).catch(() => null);
      if (held && Date.now() - held.mtimeMs > 10_000) await rmdir(lock).catch(() => {});
      await sleep(25);
    }
  }
  try {
    const existing = await readFile(summaryFile, 'utf8').catch(() => '');
    const lines = new Map<Category, string>();
    for (const text of existing.split('\n')) {
      const category = order.find((name) => text.startsWith(`${name}: `));
      if (category) lines.set(category, text);
    }
    lines.set(category, line);
    const content = order.flatMap((name) => (lines.has(name) ? [lines.get(name)!] : [])).join('\n');
    await writeAtomic(summaryFile, `${content}\n`);
  } finally {
    await rmdir(lock);
  }
}
