// `npm run bench`: every benchmark in bench/ (each `bench/<name>/run.ts`), one after the other, then
// the table the README quotes, built from the rows each wrote to bench/results/<name>.json.
//
//   npm run bench [-- name...]       (default: every benchmark)
import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, resultsDir, type BenchRow } from './support/results.js';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const available = (await readdir(benchDir, { withFileTypes: true }))
  .filter((entry) => entry.isDirectory() && !['support', 'results'].includes(entry.name))
  .map((entry) => entry.name)
  .sort();
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : available;
const unknown = chosen.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`bench: no benchmark named ${unknown.join(', ')} (there are: ${available.join(', ')})`);
  process.exit(2);
}

const rows: BenchRow[] = [];
const failed: string[] = [];
for (const [index, name] of chosen.entries()) {
  console.error(`[${index + 1}/${chosen.length}] bench/${name}`);
  const started = Date.now();
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(benchDir, name, 'run.ts')], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed.push(`${name} (exit ${result.status ?? result.signal})`);
    continue;
  }
  console.error(`bench/${name} took ${((Date.now() - started) / 1000).toFixed(0)} s`);
  rows.push(...(await rowsOf(name)));
}

console.log(`\n${machine()} at the end`);
console.log('| benchmark | lockstep | peer | ratio | goal |');
console.log('| --- | --- | --- | --- | --- |');
for (const row of rows) console.log(`| ${row.benchmark} | ${row.lockstep} | ${row.peer} | ${row.ratio} | ${row.goal} |`);
if (failed.length > 0) {
  console.error(`bench: ${failed.length} benchmark(s) failed: ${failed.join(', ')}`);
  process.exit(1);
}

/** The rows a benchmark wrote with writeRows (bench/support/results.ts). */
async function rowsOf(name: string): Promise<BenchRow[]> {
  const written = JSON.parse(await readFile(join(resultsDir, `${name}.json`), 'utf8')) as { rows?: BenchRow[] };
  if (!written.rows) throw new Error(`bench/${name} wrote no rows to bench/results/${name}.json`);
  return written.rows;
}
