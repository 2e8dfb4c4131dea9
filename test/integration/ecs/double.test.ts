import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DescribeServicesCommand, ECSClient, RegisterTaskDefinitionCommand, UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { loadEcsModel, shapeProblems } from '../../doubles/ecs/model.js';
import { startEcsDouble, type EcsDouble } from '../../doubles/ecs/server.js';

// The ECS API double (test/doubles/ecs) itself: it must refuse what ECS refuses, or the target's tests
// prove nothing.

describe('ECS API double', () => {
  let double: EcsDouble;
  let client: ECSClient;

  beforeEach(async () => {
    double = await startEcsDouble();
    double.seedCluster('c');
    double.seedService({ cluster: 'c', name: 's', family: 'f', containers: [{ name: 'app', image: 'localhost:5000/acme/app:v1' }] });
    client = new ECSClient({ region: double.region, endpoint: double.endpoint, credentials: double.credentials, maxAttempts: 1 });
  });

  afterEach(async () => {
    client.destroy();
    await double.stop();
  });

  it('the model check finds unknown members, missing required members and wrong types', () => {
    const model = loadEcsModel();
    const input = model.operations.RegisterTaskDefinition!.input;
    assert.deepEqual(shapeProblems(model, input, { family: 'f', containerDefinitions: [{ name: 'a', image: 'i', memory: 16 }] }), []);
    assert.deepEqual(shapeProblems(model, input, { family: 'f', containerDefinitions: [{ name: 'a', image: 'i' }], revision: 3 }), ['$.revision: is not a member of this shape']);
    assert.deepEqual(shapeProblems(model, input, { containerDefinitions: [] }), ['$.family: is required']);
    assert.deepEqual(shapeProblems(model, input, { family: 'f', containerDefinitions: [{ name: 'a', memory: '16' }] }), ['$.containerDefinitions[0].memory: expected an integer']);
    const output = model.operations.DescribeServices!.output;
    assert.deepEqual(shapeProblems(model, output, { services: [{ deployments: [{ createdAt: '2026-01-01' }] }] }), ['$.services[0].deployments[0].createdAt: expected a timestamp in epoch seconds']);
  });

  it('refuses a register carrying a field the model does not have, and records the violation', async () => {
    // enableFaultInjection is newer than the pinned model: the double refuses it like an older API would.
    await assert.rejects(client.send(new RegisterTaskDefinitionCommand({ family: 'f', containerDefinitions: [{ name: 'a', image: 'i' }], enableFaultInjection: true })), /SerializationException|enableFaultInjection/);
    assert.match(double.violations.join('\n'), /RegisterTaskDefinition request: \$\.enableFaultInjection: is not a member/);
    double.violations.length = 0;
  });

  it('answers as ECS does: MISSING failures, unknown services, throttling', async () => {
    const described = await client.send(new DescribeServicesCommand({ cluster: 'c', services: ['s', 'nope'] }));
    assert.deepEqual(described.services?.map((service) => service.serviceName), ['s']);
    assert.deepEqual(described.failures, [{ arn: 'nope', reason: 'MISSING' }]);
    await assert.rejects(client.send(new UpdateServiceCommand({ cluster: 'c', service: 'nope', taskDefinition: 'f:1' })), { name: 'ServiceNotFoundException' });
    double.throttleNext(1);
    await assert.rejects(client.send(new DescribeServicesCommand({ cluster: 'c', services: ['s'] })), { name: 'ThrottlingException' });
    assert.deepEqual(double.violations, []);
  });

  it('plays the rolling update: a new revision completes, a broken one is failed by the circuit breaker', async () => {
    const registered = await client.send(new RegisterTaskDefinitionCommand({ family: 'f', containerDefinitions: [{ name: 'app', image: 'localhost:5000/acme/app:broken' }] }));
    double.markBroken('localhost:5000/acme/app:broken');
    await client.send(new UpdateServiceCommand({ cluster: 'c', service: 's', taskDefinition: registered.taskDefinition!.taskDefinitionArn }));
    const during = await client.send(new DescribeServicesCommand({ cluster: 'c', services: ['s'] }));
    assert.deepEqual(during.services?.[0]?.deployments?.map((deployment) => [deployment.status, deployment.rolloutState]), [['PRIMARY', 'IN_PROGRESS'], ['ACTIVE', 'COMPLETED']]);
    await new Promise((resolve) => setTimeout(resolve, 350));
    const after = await client.send(new DescribeServicesCommand({ cluster: 'c', services: ['s'] }));
    const primary = after.services?.[0]?.deployments?.[0];
    assert.equal(primary?.rolloutState, 'FAILED');
    assert.match(primary?.rolloutStateReason ?? '', /circuit breaker/);
    assert.ok(primary?.createdAt instanceof Date, 'timestamps travel as epoch seconds the SDK reads as dates');
    assert.deepEqual(double.violations, []);
  });
});
