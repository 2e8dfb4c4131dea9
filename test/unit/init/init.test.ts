import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseDocument } from 'yaml';
import { parseComposeGraph } from '../../../src/compose/graph.js';
import { lockstepConfig } from '../../../src/config/schema.js';
import { parseConfigList } from '../../../src/init/gitmodules.js';
import { imageWithoutTag, proposeConfig } from '../../../src/init/proposeConfig.js';
import { parseRepositoryUrl } from '../../../src/init/runInit.js';
import { moduleAddress, moduleRefs, pinModule } from '../../../src/init/templates.js';

const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url), 'utf8');

describe('proposeConfig', () => {
  it('reads a real-world compose file (example-voting-app): services by build context, databases left to compose', () => {
    const compose = parseComposeGraph('docker-compose.yml', fixture('example-voting-app.compose.yml'), {});
    const proposal = proposeConfig({
      submodules: [
        { name: 'result', path: 'result', url: null },
        { name: 'vote', path: 'vote', url: null },
        { name: 'worker', path: 'worker', url: null },
      ],
      compose,
      composeFile: 'docker-compose.yml',
      tagTemplate: 'sha-{shortCommit}',
      repository: 'dockersamples/example-voting-app',
      schemaUrl: 'https://example.invalid/config.schema.json',
    });
    assert.deepEqual(
      proposal.services.map((service) => [service.name, service.path, service.image, service.composeService]),
      [
        ['result', 'result', 'registry.invalid/result', 'result'],
        ['votes', 'vote', 'registry.invalid/votes', 'votes'],
        ['worker', 'worker', 'registry.invalid/worker', 'worker'],
      ],
    );
    assert.deepEqual(proposal.unpinned, [
      { name: 'db', image: 'postgres:9.4' },
      { name: 'redis', image: 'redis:alpine' },
    ]);
    const config = lockstepConfig.parse(parseDocument(proposal.text).toJS());
    assert.deepEqual(Object.keys(config.services), ['result', 'votes', 'worker']);
    assert.match(proposal.text, /^# yaml-language-server: \$schema=https:\/\/example\.invalid\/config\.schema\.json\n/);
    assert.match(proposal.text, /# TODO: result, votes, worker: the compose file names no image/);
  });

  it('names a submodule no compose service builds after its folder, and never twice', () => {
    const compose = parseComposeGraph('deploy/compose.yaml', 'services:\n  api:\n    image: ghcr.io/acme/api:1.2@sha256:' + 'a'.repeat(64) + '\n', {});
    const proposal = proposeConfig({
      submodules: [
        { name: 'a', path: 'libs/API', url: null },
        { name: 'b', path: 'other/api', url: null },
        { name: 'c', path: 'api', url: null },
      ],
      compose,
      composeFile: 'deploy/compose.yaml',
      tagTemplate: 'v{commit}',
      schemaUrl: 's',
    });
    assert.deepEqual(
      proposal.services.map((service) => [service.path, service.name, service.image]),
      [
        ['libs/API', 'api-2', 'registry.invalid/api-2'],
        ['other/api', 'api', 'ghcr.io/acme/api'],
        ['api', 'api-3', 'registry.invalid/api-3'],
      ],
    );
  });

  it('refuses a submodule-built compose service whose name lockstep cannot pin, naming the field', () => {
    const compose = parseComposeGraph('compose.yaml', 'services:\n  Cart_API:\n    build: ./cart\n', {});
    assert.throws(
      () => proposeConfig({ submodules: [{ name: 'cart', path: 'cart', url: null }], compose, composeFile: 'compose.yaml', tagTemplate: 't', schemaUrl: 's' }),
      /compose\.yaml: services\.Cart_API: .*DNS label/,
    );
  });

  it('drops tags and digests from compose images, and refuses what is not an image repository', () => {
    assert.equal(imageWithoutTag('localhost:5000/acme/cart:sha-1'), 'localhost:5000/acme/cart');
    assert.equal(imageWithoutTag('localhost:5000/acme/cart'), 'localhost:5000/acme/cart');
    assert.equal(imageWithoutTag('acme/cart@sha256:' + 'b'.repeat(64)), 'acme/cart');
    assert.equal(imageWithoutTag('/cart:latest'), null);
    assert.equal(imageWithoutTag(null), null);
  });
});

describe('init helpers', () => {
  it('parses git config --null output of .gitmodules, names with dots included', () => {
    const output = 'submodule.svc.cart.path\nservices/cart/\0submodule.svc.cart.url\ngit@github.com:acme/cart.git\0submodule.web.path\nweb\0submodule.orphan.url\nx\0';
    assert.deepEqual(parseConfigList(output), [
      { name: 'svc.cart', path: 'services/cart', url: 'git@github.com:acme/cart.git' },
      { name: 'web', path: 'web', url: null },
    ]);
  });

  it('reads owner/name from https and ssh remotes only', () => {
    assert.equal(parseRepositoryUrl('https://github.com/acme/shop.git'), 'acme/shop');
    assert.equal(parseRepositoryUrl('git@github.com:acme/shop.git'), 'acme/shop');
    assert.equal(parseRepositoryUrl('ssh://git@ghe.example.com/acme/shop'), 'acme/shop');
    assert.equal(parseRepositoryUrl('/srv/git/shop'), null);
    assert.equal(parseRepositoryUrl('https://github.com/acme/shop/extra'), null);
  });

  it('pins the module to a tag or full commit only', () => {
    const template = { name: 'x.yml', text: `steps:\n  - with:\n      module: ${moduleAddress}@v0.1.0\n` };
    assert.deepEqual(moduleRefs(pinModule(template, 'v2.3.4').text), [`${moduleAddress}@v2.3.4`]);
    assert.deepEqual(moduleRefs(pinModule(template, 'f'.repeat(40)).text), [`${moduleAddress}@${'f'.repeat(40)}`]);
    for (const bad of ['main', 'v1', '$(id)', 'v1.0.0 --x', 'f'.repeat(39)]) assert.throws(() => pinModule(template, bad), /--module-ref/);
  });
});
