// Benchmark: what `npx lockstep` / `npm i -g lockstep` puts on a machine. Packs this checkout with
// `npm pack`, installs the tarball globally into a private temporary prefix (production dependencies
// only, as users get them), and measures the prefix on disk, listing the largest dependencies.
//
//   npx tsx bench/install-size/run.ts
//
// Needs the npm registry (dependencies are downloaded as a user's install would).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { machine, writeRows } from '../support/results.js';

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Bytes on disk under a folder (apparent sizes, symlinks not followed). */
async function sizeOf(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await sizeOf(join(path, entry));
  return total;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

async function main() {
  const work = await mkdtemp(join(tmpdir(), 'lockstep-install-size-'));
  try {
    const packed = await execFileAsync('npm', ['pack', '--json', '--pack-destination', work], { cwd: repoRoot, maxBuffer: 64 * 1024 * 1024 });
    const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; size: number; unpackedSize: number }>;
    if (!info) throw new Error('npm pack wrote no tarball');
    const prefix = join(work, 'prefix');
    await mkdir(prefix);
    const started = performance.now();
    await execFileAsync('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', join(work, info.filename)], { maxBuffer: 64 * 1024 * 1024 });
    const installSeconds = (performance.now() - started) / 1000;
    const total = await sizeOf(prefix);
    const modules = join(prefix, 'lib', 'node_modules', 'lockstep', 'node_modules');
    const entries: Array<{ name: string; bytes: number }> = [];
    for (const entry of await readdir(modules).catch(() => [] as string[])) {
      const names = entry.startsWith('@') ? (await readdir(join(modules, entry))).map((child) => `${entry}/${child}`) : [entry];
      for (const name of names) entries.push({ name, bytes: await sizeOf(join(modules, name)) });
    }
    entries.sort((a, b) => b.bytes - a.bytes);
    console.log(`${machine()} at the end`);
    console.log(`tarball ${mb(info.size)} (unpacked ${mb(info.unpackedSize)}); installed prefix ${mb(total)} in ${entries.length} top-level dependencies (install took ${installSeconds.toFixed(1)} s)`);
    for (const entry of entries.slice(0, 8)) console.log(`  ${entry.name.padEnd(40)} ${mb(entry.bytes)}`);
    const largest = entries.slice(0, 2).map((entry) => `${entry.name} ${mb(entry.bytes)}`).join(', ');
    await writeRows(
      'install-size',
      [{ benchmark: '`bench/install-size` (`npm pack`, `npm i -g` into a temporary prefix)', lockstep: `${mb(total)} installed (tarball ${mb(info.size)}; largest: ${largest})`, peer: '–', ratio: '–', goal: '–' }],
      { tarballBytes: info.size, installedBytes: total, largest: entries.slice(0, 8) },
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
