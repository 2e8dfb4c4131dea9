import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const read = (path: string) => readFileSync(join(root, path), 'utf8');

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
type Workflow = { on: Record<string, unknown>; permissions: unknown; jobs: Record<string, { permissions: Record<string, string>; strategy?: { matrix: { node: number[] } }; steps: Step[] }> };

describe("lockstep's own CI (.github/workflows/ci.yml)", () => {
  const text = read('.github/workflows/ci.yml');
  const workflow = parse(text) as Workflow;
  const job = Object.values(workflow.jobs)[0]!;
  const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; engines: { node: string } };

  it('runs lint, type-check and the tests through the scripts CI and people use', () => {
    const runs = job.steps.map((step) => step.run ?? '');
    for (const script of ['lint', 'typecheck']) {
      assert.ok(runs.includes(`npm run ${script}`), script);
      assert.ok(pkg.scripts[script], `package.json has ${script}`);
    }
    assert.ok(runs.includes('npm test'));
    assert.ok(runs.some((run) => run.startsWith('npm ci')));
  });

  it('runs the test command the README quickstart shows', () => {
    const quickstart = /## Quickstart\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(read('README.md'))?.[1] ?? '';
    assert.match(quickstart, /^npm test\s/m);
    assert.ok(job.steps.some((step) => step.run === 'npm test'));
  });

  it('tests every Node major from the engines floor on', () => {
    const floor = Number(/^>=(\d+)/.exec(pkg.engines.node)?.[1]);
    assert.equal(Math.min(...job.strategy!.matrix.node), floor);
  });

  it('holds a read-only token and pins actions by commit', () => {
    assert.deepEqual(workflow.permissions, {});
    assert.deepEqual(job.permissions, { contents: 'read' });
    for (const step of job.steps.filter((candidate) => candidate.uses)) {
      assert.match(step.uses!, /^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      assert.match(text, new RegExp(`${step.uses!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} # v\\d+\\.\\d+\\.\\d+\\n`));
    }
  });

  it('is kept fresh by Dependabot with the workflow templates and both npm packages', () => {
    const dependabot = parse(read('.github/dependabot.yml')) as { updates: { 'package-ecosystem': string; directories: string[] }[] };
    const dirs = (ecosystem: string) => dependabot.updates.find((update) => update['package-ecosystem'] === ecosystem)?.directories ?? [];
    assert.deepEqual(dirs('github-actions').sort(), ['/', '/templates/workflows']);
    assert.deepEqual(dirs('npm').sort(), ['/', '/dagger']);
  });
});
