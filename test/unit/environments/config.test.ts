import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lockstepConfig } from '../../../src/config/schema.js';
import { InputError } from '../../../src/errors.js';
import { validate } from '../../../src/io/readDocument.js';

function config(environments: unknown) {
  return {
    apiVersion: 'lockstep/v1',
    kind: 'Config',
    services: { catalog: { path: 'services/catalog', image: 'localhost:5000/acme/catalog' } },
    environments,
  };
}

function problem(environments: unknown): string {
  try {
    validate('lockstep.config.yaml', lockstepConfig, config(environments));
  } catch (error) {
    assert.ok(error instanceof InputError);
    return error.message;
  }
  assert.fail('the config was accepted');
}

const compose = { type: 'compose', project: 'shop-staging' };

describe('environments config', () => {
  it('fills defaults for a minimal compose environment', () => {
    const parsed = validate('lockstep.config.yaml', lockstepConfig, config({ staging: { target: compose } }));
    const staging = parsed.environments.staging!;
    assert.equal(staging.protected, false);
    assert.equal(staging.lease.ttlMs, 900_000);
    assert.equal(staging.health.timeoutMs, 5_000);
    assert.deepEqual(staging.health.dependencies, []);
    assert.equal(staging.target.type === 'compose' && staging.target.healthTimeoutMs, 120_000);
  });

  it('accepts the three target types and refuses others', () => {
    const parsed = validate(
      'lockstep.config.yaml',
      lockstepConfig,
      config({
        a: { target: compose, health: { disk: { minFreeMb: 1024 }, memory: { minAvailableMb: 256 } } },
        b: { target: { type: 'kubernetes', namespace: 'shop', services: { catalog: { deployment: 'catalog-api' } } }, health: { nodes: { minReady: 2 }, quota: { minHeadroomPercent: 10 } } },
        c: { target: { type: 'helm-values', repository: '../config', keys: { catalog: { digest: 'catalog.image.digest' } } } },
      }),
    );
    assert.equal(parsed.environments.c?.target.type === 'helm-values' && parsed.environments.c.target.valuesFile, 'values-{env}.yaml');
    assert.match(problem({ a: { target: { type: 'nomad' } } }), /^lockstep\.config\.yaml: environments\.a\.target\.type: /);
  });

  it('names the field of each mistake in one line', () => {
    assert.equal(problem({ a: { target: compose, health: { nodes: { minReady: 1 } } } }), 'lockstep.config.yaml: environments.a.health.nodes: applies to kubernetes targets only');
    assert.equal(problem({ a: { target: { ...compose, project: 'Shop Staging' } } }).split(': ').slice(0, 2).join(': '), 'lockstep.config.yaml: environments.a.target.project');
    assert.equal(problem({ a: { target: compose, migration: { command: ['migrate'] } } }), 'lockstep.config.yaml: environments.a.migration: needs exactly one of service and image');
    assert.match(problem({ a: { target: compose, migration: { image: 'migrator:latest', command: ['m'] } } }), /migration\.image: must be an image pinned by digest/);
    assert.match(problem({ a: { target: compose, smoke: { probes: [{ name: 'x', url: 'http://h/', bodyMatch: '([' }] } } }), /smoke\.probes\[0\]\.bodyMatch: must be a valid regular expression/);
    assert.match(problem({ a: { target: compose, smoke: { probes: [{ name: 'x', url: 'ftp://h/' }] } } }), /smoke\.probes\[0\]\.url: must be an absolute http/);
    assert.match(problem({ a: { target: compose, smoke: { probes: [{ name: 'x', url: 'http://h/' }, { name: 'x', url: 'http://h/' }] } } }), /probe names must be unique/);
    assert.match(problem({ a: { target: compose, health: { dependencies: [{ name: 'db', type: 'tcp', host: 'db', port: 70000 }] } } }), /dependencies\[0\]\.port/);
    assert.match(problem({ a: { target: compose, lease: { ttlMs: 5 } } }), /lease\.ttlMs/);
    assert.match(problem({ Staging: { target: compose } }), /must be a DNS label/);
    assert.match(problem({ a: { target: compose, surprise: true } }), /environments\.a\.surprise: unknown field/);
  });
});

describe('e2e endpoints', () => {
  const kubernetes = { type: 'kubernetes', namespace: 'shop-staging' };

  it('are accepted for a kubernetes environment, with a network for the suites', () => {
    const parsed = validate('lockstep.config.yaml', lockstepConfig, config({ staging: { target: kubernetes, e2e: { endpoints: { catalog: 'https://catalog.example.com' }, network: 'host' } } }));
    assert.deepEqual(parsed.environments.staging!.e2e, { endpoints: { catalog: 'https://catalog.example.com' }, network: 'host' });
  });

  it('are refused for a compose environment, whose suites run on its own network', () => {
    assert.match(problem({ staging: { target: compose, e2e: { endpoints: { catalog: 'http://catalog:8080' } } } }), /environments\.staging\.e2e\.endpoints/);
  });

  it('must be http(s) URLs without credentials, and a network goes with them only', () => {
    assert.match(problem({ staging: { target: kubernetes, e2e: { endpoints: { catalog: 'ftp://catalog.example.com' } } } }), /e2e\.endpoints\.catalog/);
    assert.match(problem({ staging: { target: kubernetes, e2e: { endpoints: { catalog: 'https://user:pw@catalog.example.com' } } } }), /credentials/);
    assert.match(problem({ staging: { target: kubernetes, e2e: { network: 'host' } } }), /e2e\.network/);
  });
});
