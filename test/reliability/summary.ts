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
export type Category = 'bad inputs' | 'faults' | 'secrets' | 'security';

const order: Category[] = ['bad inputs', 'faults', 'secrets', 'security'];
export const summaryDir = join(repoRoot, 'report', 'reliability');
export const summaryFile = join(summaryDir, 'summary.txt');

export async function recordSummary(category: Category, line: string): Promise<void> {
  if (!line.startsWith(`${category}: `)) throw new Error(`a ${category} summary must start with "${category}: "`);
  console.log(line);
  await underSummaryLock(async () => {
    const existing = await readFile(summaryFile, 'utf8').catch(() => '');
    const lines = new Map<Category, string>();
    for (const text of existing.split('\n')) {
      const category = order.find((name) => text.startsWith(`${name}: `));
      if (category) lines.set(category, text);
    }
    lines.set(category, line);
    const content = order.flatMap((name) => (lines.has(name) ? [lines.get(name)!] : [])).join('\n');
    await writeAtomic(summaryFile, `${content}\n`);
  });
}

/**
 * Security attacks are tried by several test files (each process knows only its own): each file's
 * counts are kept next to the summary and the `security` line is their sum.
 */
export async function recordAttacks(source: string, tried: number, refused: number): Promise<void> {
  const countsFile = join(summaryDir, 'security-attacks.json');
  let total = { tried: 0, refused: 0 };
  await underSummaryLock(async () => {
    const counts = JSON.parse(await readFile(countsFile, 'utf8').catch(() => '{}')) as Record<string, { tried: number; refused: number }>;
    counts[source] = { tried, refused };
    await writeAtomic(countsFile, `${JSON.stringify(counts, null, 2)}\n`);
    total = Object.values(counts).reduce((sum, item) => ({ tried: sum.tried + item.tried, refused: sum.refused + item.refused }), total);
  });
  await recordSummary('security', `security: ${total.tried} attacks tried, ${total.refused} refused`);
}

async function underSummaryLock(work: () => Promise<void>): Promise<void> {
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
    await work();
  } finally {
    await rmdir(lock);
  }
}
