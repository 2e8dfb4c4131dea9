import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assessRollout, type DeploymentLike } from '../../../src/environments/targets/kubernetes/rollout.js';

function deployment(status: NonNullable<DeploymentLike['status']>, generation = 3, replicas = 3): DeploymentLike {
  return { metadata: { name: 'web', generation }, spec: { replicas }, status };
}

describe('assessRollout (kubectl rollout status rules)', () => {
  it('waits until the controller has observed the latest generation', () => {
    const result = assessRollout(deployment({ observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }));
    assert.deepEqual(result, { state: 'progressing', detail: 'waiting for the controller to observe generation 3' });
  });

  it('waits for updated, then for old replicas to go, then for availability', () => {
    assert.equal(assessRollout(deployment({ observedGeneration: 3, replicas: 4, updatedReplicas: 1, availableReplicas: 3 })).detail, '1 of 3 replicas updated');
    assert.equal(assessRollout(deployment({ observedGeneration: 3, replicas: 4, updatedReplicas: 3, availableReplicas: 3 })).detail, '1 old replica pending termination');
    assert.equal(assessRollout(deployment({ observedGeneration: 3, replicas: 3, updatedReplicas: 3, availableReplicas: 2 })).detail, '2 of 3 updated replicas available');
  });

  it('is complete when every replica is updated and available', () => {
    assert.deepEqual(assessRollout(deployment({ observedGeneration: 3, replicas: 3, updatedReplicas: 3, availableReplicas: 3 })), {
      state: 'complete',
      detail: '3 of 3 replicas available',
    });
  });

  it('fails on ProgressDeadlineExceeded even while old replicas still serve', () => {
    const result = assessRollout(
      deployment({
        observedGeneration: 3,
        replicas: 4,
        updatedReplicas: 1,
        availableReplicas: 3,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "web-1" has timed out progressing.' }],
      }),
    );
    assert.deepEqual(result, { state: 'failed', detail: 'progress deadline exceeded: ReplicaSet "web-1" has timed out progressing.' });
  });

  it('a deployment scaled to zero is complete once observed', () => {
    assert.equal(assessRollout(deployment({ observedGeneration: 3 }, 3, 0)).state, 'complete');
  });
});
