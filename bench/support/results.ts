import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One line of the README's benchmark table. */
export interface BenchRow {
  benchmark: string;
  lockstep: string;
  peer: string;
  ratio: string;
  goal: string;
}

export const resultsDir = fileURLToPath(new URL('../results/', import.meta.url));

export function machine(): string {
  return `${cpus().length} cores, load average ${loadavg().map((value) => value.toFixed(1)).join(' / ')} (1/5/15 min)`;
}

/** Writes `bench/results/<name>.json`, which `npm run bench` (bench/run.ts) turns into the table. */
export async function writeRows(name: string, rows: BenchRow[], extra: Record<string, unknown> = {}): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, `${name}.json`), `${JSON.stringify({ at: new Date().toISOString(), machine: machine(), rows, ...extra }, null, 2)}\n`);
}
