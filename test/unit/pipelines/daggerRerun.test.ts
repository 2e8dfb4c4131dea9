import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { daggerCallContext, stageRerunLine } from '../../../src/pipelines/daggerRerun.js';

const context = { call: ['--source', '.', '--config', 'ci/lockstep.yaml'], paths: { '/lockstep/out/report': '.lockstep/run', '/lockstep/in/lock.yaml': 'next.lock.yaml' } };

describe('rerun lines of a pipeline the Dagger module runs', () => {
  it('reads the call the module describes, and nothing outside the module or from a garbled value', () => {
    assert.deepEqual(daggerCallContext({ LOCKSTEP_DAGGER_CALL: JSON.stringify(context) }), context);
    assert.equal(daggerCallContext({}), null);
    assert.equal(daggerCallContext({ LOCKSTEP_DAGGER_CALL: '{not json' }), null);
  });

  it("renames the command and its flags to the function's, drops what the function sets itself, and shows the caller's paths", () => {
    const e2e = ['--config', 'ci/lockstep.yaml', 'e2e', '--env', 'staging', '--report-dir', '/lockstep/out/report/staging/e2e'];
    assert.equal(stageRerunLine(e2e, context), 'dagger call --source . --config ci/lockstep.yaml end-to-end --environment staging');
    const deploy = ['--config', 'ci/lockstep.yaml', 'deploy', '--env', 'staging', '--lock', '/lockstep/in/lock.yaml'];
    assert.equal(stageRerunLine(deploy, context), 'dagger call --source . --config ci/lockstep.yaml deploy --environment staging --lock-file next.lock.yaml');
  });

  it('quotes a value a shell would split', () => {
    const promotion = ['--config', 'ci/lockstep.yaml', 'pr', 'open-promotion', '--run-url', 'https://ci.example.com/run?id=1&x=2'];
    assert.match(stageRerunLine(promotion, context), / --run-url 'https:\/\/ci\.example\.com\/run\?id=1&x=2'$/);
  });

  it('keeps the lockstep command, with the caller\'s paths, for a stage or flag the module has no function for', () => {
    const unknownFlag = ['--config', 'ci/lockstep.yaml', 'deploy', '--env', 'staging', '--holder', 'me', '--lock', '/lockstep/in/lock.yaml'];
    assert.equal(stageRerunLine(unknownFlag, context), 'lockstep --config ci/lockstep.yaml deploy --env staging --holder me --lock next.lock.yaml');
    const unknownCommand = ['--config', 'ci/lockstep.yaml', 'status', '--env', 'staging'];
    assert.equal(stageRerunLine(unknownCommand, context), 'lockstep --config ci/lockstep.yaml status --env staging');
    assert.equal(stageRerunLine(unknownCommand, null), 'lockstep --config ci/lockstep.yaml status --env staging');
  });
});
