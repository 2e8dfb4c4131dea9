// `npm run bench`: every benchmark in bench/ (each `bench/<name>/run.ts`), one after the other, then
// the table the README quotes, built from what each wrote to bench/results/<name>.json.
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

/** A benchmark's rows; lock-generate keeps its own result shape (one entry per N), read here. */
async function rowsOf(name: string): Promise<BenchRow[]> {
  const written = JSON.parse(await readFile(join(resultsDir, `${name}.json`), 'utf8')) as {
    rows?: BenchRow[];
    results?: Array<{ n: number; lockstepMs: number; skopeoMs: number }>;
  };
  if (written.rows) return written.rows;
  return (written.results ?? []).map((result) => ({
    benchmark: `\`bench/${name}\`, N=${result.n}`,
    lockstep: `${(result.lockstepMs / 1000).toFixed(2)} s`,
    peer: `\`skopeo inspect\` loop: ${(result.skopeoMs / 1000).toFixed(2)} s`,
    ratio: `${(result.lockstepMs / result.skopeoMs).toFixed(2)}×`,
    goal: '–',
  }));
}
