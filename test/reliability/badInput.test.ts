import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { argumentCases, lockCases, type BadInputCase } from './corpus.js';
import { runCli, scratchDir, snapshotTree } from './harness.js';

const cases: BadInputCase[] = [...lockCases, ...argumentCases];
let refused = 0;

after(() => {
  console.log(`bad inputs: ${cases.length} tried, ${refused} refused cleanly`);
});

describe('bad input: exit 2, one line naming file and field, no stack, nothing written', () => {
  for (const entry of cases) {
    it(`${entry.category}: ${entry.name}`, async () => {
      const dir = await scratchDir('bad');
      for (const [path, content] of Object.entries(entry.files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), content);
      }
      const before = await snapshotTree(dir);
      const result = await runCli(entry.args, { cwd: dir, maxOldSpaceMb: 96, timeoutMs: 15_000 });
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`);
      assert.equal(lines.length, 1, `exactly one stderr line, got:\n${result.stderr}`);
      for (const mention of entry.mentions) assert.ok(lines[0]!.includes(mention), `"${lines[0]}" should mention ${mention}`);
      assert.doesNotMatch(result.stderr, /\n\s+at |\.ts:\d+|\.js:\d+/, 'no stack trace');
      assert.equal(result.stdout, '', 'nothing on stdout');
      assert.deepEqual(await snapshotTree(dir), before, 'no file written or changed');
      for (const path of entry.mustNotExist ?? []) assert.ok(!existsSync(join(dir, path)), `${path} must not exist`);
      assert.ok(result.durationMs < 10_000, `refused quickly (${Math.round(result.durationMs)} ms)`);
      refused += 1;
    });
  }
});
