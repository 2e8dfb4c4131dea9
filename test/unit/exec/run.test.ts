import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultTimeoutMs, run } from '../../../src/exec/run.js';

// Real child processes (node itself, and a stand-in `git` on PATH), no mocks of child_process.
describe('exec/run: bounded output, polite timeouts, git never waits forever', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-exec-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stops a program whose stdout passes the cap instead of buffering it all', async () => {
    const script = 'const chunk = "x".repeat(65536); const more = () => process.stdout.write(chunk, more); more();';
    await assert.rejects(run(process.execPath, ['-e', script], { maxOutputBytes: 1024 * 1024, killGraceMs: 200 }), /printed more than 1048576 bytes/);
  });

  it('keeps only the tail of a flood on stderr, and still reports the failure', async () => {
    const script = 'process.stderr.write("y".repeat(4 * 1024 * 1024) + "\\nlast words\\n", () => process.exit(3));';
    const result = await run(process.execPath, ['-e', script], { allowFailure: true });
    assert.equal(result.exitCode, 3);
    assert.ok(result.stderr.length <= 256 * 1024, `stderr kept ${result.stderr.length} characters`);
    assert.match(result.stderr, /last words\n$/);
  });

  it('sends SIGTERM on timeout first, so the program can clean up', async () => {
    const marker = join(dir, 'cleaned-up');
    const script = `process.on("SIGTERM", () => { require("fs").writeFileSync(${JSON.stringify(marker)}, "term"); process.exit(0); }); setInterval(() => {}, 1000);`;
    await assert.rejects(run(process.execPath, ['-e', script], { timeoutMs: 3_000, killGraceMs: 5_000 }), /timed out after 3000 ms/);
    assert.equal(await readFile(marker, 'utf8'), 'term');
  });

  it('sends SIGKILL after the grace period to a program that ignores SIGTERM', async () => {
    const script = 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000);';
    const started = Date.now();
    await assert.rejects(run(process.execPath, ['-e', script], { timeoutMs: 2_000, killGraceMs: 300 }), /timed out/);
    assert.ok(Date.now() - started < 6_000, 'the ignored SIGTERM did not keep it alive');
  });

  it('gives a local git call a timeout when the caller gave none', async () => {
    const fakeGit = join(dir, 'git');
    await writeFile(fakeGit, `#!${process.execPath}\nsetInterval(() => {}, 1000);\n`);
    await chmod(fakeGit, 0o755);
    assert.ok(defaultTimeoutMs.git !== undefined && defaultTimeoutMs.git <= 600_000, 'git has a default timeout');
    const table = defaultTimeoutMs as Record<string, number>;
    const saved = table.git!;
    table.git = 300;
    try {
      await assert.rejects(run('git', ['status'], { env: { ...process.env, PATH: dir }, killGraceMs: 200 }), /git status timed out after 300 ms/);
    } finally {
      table.git = saved;
    }
  });
});
