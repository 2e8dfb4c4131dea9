#!/usr/bin/env node
// Runs the suites with Node's own test runner. Node 20 has no glob support in --test, so the files are
// listed here. `node test/run.mjs unit integration` runs only those folders.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const suites = ['unit', 'integration', 'system', 'reliability'];
const chosen = process.argv.slice(2).length > 0 ? process.argv.slice(2) : suites;

function collect(dir) {
  let found = [];
  let entries = [];
  try {
    entries = readdirSync(dir);
  } catch {
    return found;
  }
  for (const entry of entries.sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found = found.concat(collect(path));
    else if (/\.test\.ts$/.test(entry)) found.push(relative(root, path));
  }
  return found;
}

const files = chosen.flatMap((suite) => collect(join(root, 'test', suite)));
if (files.length === 0) {
  console.error(`no test files under test/{${chosen.join(',')}}`);
  process.exit(1);
}
const concurrency = process.env.LOCKSTEP_TEST_CONCURRENCY ?? '2';
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    `--test-reporter=${join(root, 'test', 'skipReporter.mjs')}`,
    '--test-reporter-destination=stdout',
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, TESTCONTAINERS_RYUK_DISABLED: 'true', TESTCONTAINERS_HOST_OVERRIDE: process.env.TESTCONTAINERS_HOST_OVERRIDE ?? 'localhost' } },
);
process.exit(result.status ?? 1);
