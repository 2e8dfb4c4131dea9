import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { docker, dockerUnavailableReason } from '../../support/docker.js';
import { argumentCases, composeCases, configCases, deployCases, lockCases, moreArgumentCases, type BadInputCase, type DeployCase } from './corpus.js';
import { runCli, scratchDir, snapshotTree } from './harness.js';
import { recordSummary } from './summary.js';

const cases: Array<BadInputCase | DeployCase> = [...lockCases, ...configCases, ...composeCases, ...deployCases, ...argumentCases, ...moreArgumentCases];
let refused = 0;
const slowest = { wallMs: 0, cpuMs: 0 };
const dockerMissing = await dockerUnavailableReason();

after(async () => {
  console.log(`slowest refusal: ${Math.round(slowest.wallMs)} ms wall, ${slowest.cpuMs} ms CPU`);
  await recordSummary('bad inputs', `bad inputs: ${cases.length} tried, ${refused} refused cleanly`);
});

/** Everything Docker holds for a project: compose-labelled containers, networks, volumes, and lockstep's lease and state markers. */
async function dockerFootprint(project: string): Promise<string[]> {
  const lines = (text: string) => text.split('\n').filter(Boolean);
  const [containers, networks, volumes, markers] = await Promise.all([
    docker(['ps', '--all', '--format', '{{.Names}}', '--filter', `label=com.docker.compose.project=${project}`]),
    docker(['network', 'ls', '--format', '{{.Name}}', '--filter', `label=com.docker.compose.project=${project}`]),
    docker(['volume', 'ls', '--format', '{{.Name}}', '--filter', `label=com.docker.compose.project=${project}`]),
    docker(['ps', '--all', '--format', '{{.Names}}', '--filter', `name=^${project}-lockstep-`]),
  ]);
  return [...lines(containers), ...lines(networks), ...lines(volumes), ...lines(markers)];
}

describe('bad input: exit 2, one line naming file and field, no stack, nothing written', { concurrency: 4 }, () => {
  for (const entry of cases) {
    it(`${entry.category}: ${entry.name}`, async (t) => {
      const dir = await scratchDir('bad');
      try {
        for (const [path, content] of Object.entries(entry.files)) {
          await mkdir(dirname(join(dir, path)), { recursive: true });
          await writeFile(join(dir, path), content);
        }
        const project = 'dockerProject' in entry ? entry.dockerProject : undefined;
        const before = await snapshotTree(dir);
        const result = await runCli(entry.args, { cwd: dir, env: entry.env, maxOldSpaceMb: 96, timeoutMs: 60_000, measureCpu: true });
        const lines = result.stderr.trimEnd().split('\n');
        t.diagnostic(lines[0]!);
        assert.equal(result.code, 2, `exit code (stderr: ${result.stderr})`);
        assert.equal(lines.length, 1, `exactly one stderr line, got:\n${result.stderr}`);
        for (const mention of entry.mentions) assert.ok(lines[0]!.includes(mention), `"${lines[0]}" should mention ${mention}`);
        for (const secret of entry.mustNotMention ?? []) assert.ok(!result.stderr.includes(secret), 'what was given is not echoed');
        // eslint-disable-next-line no-control-regex -- a control character in the output is the failure
        assert.doesNotMatch(result.stderr.trimEnd(), /[\u0000-\u0008\u000b-\u001f\u007f]/, 'no raw control characters reach the terminal');
        assert.doesNotMatch(result.stderr, /\n\s+at |\.ts:\d+|\.js:\d+|internal error/, 'no stack trace, no internal error');
        assert.equal(result.stdout, '', 'nothing on stdout');
        assert.deepEqual(await snapshotTree(dir), before, 'no file written or changed');
        for (const path of entry.mustNotExist ?? []) assert.ok(!existsSync(join(dir, path)), `${path} must not exist`);
        // Work done, not wall time: a loaded machine stretches the latter, while a refusal that reads on,
        // retries or waits shows in either (the wall-time bound catches waiting, which costs no CPU).
        slowest.wallMs = Math.max(slowest.wallMs, result.durationMs);
        slowest.cpuMs = Math.max(slowest.cpuMs, result.cpuMs ?? 0);
        assert.ok(result.cpuMs !== undefined && result.cpuMs < 3000, `refused quickly (${result.cpuMs} ms of CPU)`);
        assert.ok(result.durationMs < 45_000, `refused without waiting (${Math.round(result.durationMs)} ms)`);
        if (project) {
          if (dockerMissing) t.diagnostic(`docker unavailable (${dockerMissing}): the project's containers were not inspected`);
          else assert.deepEqual(await dockerFootprint(project), [], `nothing of compose project ${project} exists in Docker`);
        }
        refused += 1;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
