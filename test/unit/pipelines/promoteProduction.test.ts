import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fillStage } from '../../../src/pipelines/executeCliStage.js';
import { promoteProductionStages, type PipelineSettings } from '../../../src/pipelines/plans.js';

const online: PipelineSettings = { config: 'lockstep.config.yaml', reportDir: 'report', github: true };
const offline: PipelineSettings = { ...online, github: false };

describe('the promote-production plan', () => {
  it('resolves the release first and feeds what it found to the gate, the archive and the tag', () => {
    const stages = promoteProductionStages(online, { lock: 'locks/current.lock.yaml', commit: 'c'.repeat(40) });
    assert.deepEqual(stages.map((stage) => stage.name), ['release resolve', 'approval gate', 'health', 'deploy', 'smoke', 'release archive', 'release commit', 'release publish', 'rollback']);
    const resolve = stages[0]!;
    assert.deepEqual(resolve.args.slice(2), ['release', 'resolve', '--lock', 'locks/current.lock.yaml', '--branch', 'main', '--commit', 'c'.repeat(40)]);
    const outputs = { version: 'v1.3.0', pullRequest: '7', commit: 'c'.repeat(40), released: 'v1.2.0', releasedLock: 'locks/releases/v1.2.0.lock.yaml', releaseDiffLabel: 'Release v1.3.0 against v1.2.0', previousLock: `sha256:${'a'.repeat(64)}` };
    const filled = Object.fromEntries(stages.map((stage) => [stage.name, fillStage(stage, outputs)]));
    assert.deepEqual(filled['approval gate']!.args.slice(2, 6), ['gate', 'approvals', '--pr', '7']);
    assert.ok(filled['approval gate']!.args.includes('c'.repeat(40)));
    assert.deepEqual(filled['release archive']!.args.slice(2), ['release', 'archive', '--lock', 'locks/current.lock.yaml', '--version', 'v1.3.0']);
    assert.deepEqual(filled['release archive']!.collect?.diff, { label: 'Release v1.3.0 against v1.2.0', before: 'locks/releases/v1.2.0.lock.yaml' });
    assert.deepEqual(filled['release commit']!.args.slice(2), ['release', 'commit-archive', '--version', 'v1.3.0', '--branch', 'main']);
    assert.ok(filled['release publish']!.args.includes('v1.3.0'));
    // After failed smoke tests: back to exactly the lock the deploy replaced, not to whatever the archive suggests.
    const rollback = filled.rollback!;
    assert.deepEqual(rollback.args.slice(2), ['rollback', '--env', 'production', '--to-lock', `sha256:${'a'.repeat(64)}`]);
    assert.equal(rollback.when, 'failure');
    assert.deepEqual(rollback.failureOf, ['smoke']);
  });

  it('passes a version and a pull request given by hand to the resolution, which still decides whether to deploy', () => {
    const [resolve] = promoteProductionStages(online, { lock: 'l.yaml', version: 'v2.0.0', pullRequest: 9 });
    assert.deepEqual(resolve!.args.slice(2), ['release', 'resolve', '--lock', 'l.yaml', '--branch', 'main', '--version', 'v2.0.0', '--pr', '9']);
  });

  it('without GitHub resolves from the archive alone and skips the GitHub stages visibly', () => {
    const stages = promoteProductionStages(offline, { lock: 'l.yaml' });
    assert.ok(stages[0]!.args.includes('--offline'));
    for (const name of ['approval gate', 'release commit', 'release publish']) assert.match(stages.find((stage) => stage.name === name)!.skip ?? '', /^skipped: no GitHub here/, name);
  });
});

describe('filling a stage with earlier outputs', () => {
  const stage = { name: 'archive', args: ['release', 'archive', '--version', '{{version}}'], collect: { diff: { before: '{{releasedLock}}', label: 'Release {{version}}' } } };

  it('replaces each placeholder by one argument, even a value with spaces or quotes', () => {
    const filled = fillStage(stage, { version: "v1 --to v0 '$(x)'", releasedLock: '' });
    assert.deepEqual(filled.args, ['release', 'archive', '--version', "v1 --to v0 '$(x)'"]);
    assert.equal(filled.collect?.diff?.before, '');
  });

  it('fails the stage when no earlier stage gave a value it needs', () => {
    assert.throws(() => fillStage(stage, { releasedLock: '' }), /needs \{\{version\}\}, which no earlier stage gave/);
  });
});
