import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { githubRepositoryOf } from '../../../src/environments/targets/helmValues/openProposal.js';

describe('githubRepositoryOf: where a GitOps proposal pull request is opened', () => {
  it('reads owner/name from the URLs teams write for a github.com config repository', () => {
    for (const url of ['https://github.com/acme/shop-config.git', 'https://github.com/acme/shop-config', 'git@github.com:acme/shop-config.git', 'ssh://git@github.com/acme/shop-config.git']) {
      assert.deepEqual(githubRepositoryOf(url), { owner: 'acme', repo: 'shop-config' }, url);
    }
  });

  it('names nothing for other hosts and local paths (githubRepository must be set)', () => {
    for (const url of ['https://gitlab.com/acme/shop-config.git', '../shop-config', 'https://github.com.evil.example/acme/x.git', 'https://github.com/acme/shop-config/tree/main']) {
      assert.equal(githubRepositoryOf(url), null, url);
    }
  });
});
