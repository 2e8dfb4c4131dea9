import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compositeRerunLine, constructorFlags, shellQuote, stageRerunLine } from '../../../dagger/src/rerunLine.js';
import type { ModuleSettings } from '../../../dagger/src/stagePlans.js';

const bare: ModuleSettings = {
  lockPath: 'locks/current.lock.yaml',
  provided: { githubToken: false, registryAuth: false, kubeconfig: false, dockerSocket: false },
};
const full: ModuleSettings = {
  config: 'ops/lockstep config.yaml',
  lockPath: 'ops/locks/current.yaml',
  repository: 'acme/shop',
  githubApiUrl: 'https://ghe.example.com/api/v3',
  registryUsername: 'ci-bot',
  provided: { githubToken: true, registryAuth: true, kubeconfig: true, dockerSocket: true },
};

/** Splits a line the way a POSIX shell would for the quoting shellQuote produces. */
function words(line: string): string[] {
  const out: string[] = [];
  const pattern = /'((?:[^']|'\\'')*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) out.push(match[1] !== undefined ? match[1].replace(/'\\''/g, "'") : match[2]!);
  return out;
}

describe('rerun lines', () => {
  it('reruns a stage with only the constructor flags it uses, secrets named by their variable', () => {
    assert.equal(
      stageRerunLine({ stage: 'deploy', inputs: { environment: 'staging', lock: '.lockstep/run/lock.yaml' } }, full),
      "dagger call --config 'ops/lockstep config.yaml' --registry-username ci-bot --registry-auth env://LOCKSTEP_REGISTRY_PASSWORD --kubeconfig env://LOCKSTEP_KUBECONFIG --docker-socket /var/run/docker.sock deploy --environment staging --lock .lockstep/run/lock.yaml",
    );
    assert.equal(
      stageRerunLine({ stage: 'approvalGate', inputs: { pullRequest: 12, required: 4, lock: '.lockstep/run/lock.yaml' } }, full),
      "dagger call --config 'ops/lockstep config.yaml' --github-token env://GITHUB_TOKEN --repository acme/shop --github-api-url https://ghe.example.com/api/v3 approval-gate --pull-request 12 --required 4 --lock .lockstep/run/lock.yaml",
    );
    assert.equal(stageRerunLine({ stage: 'lockDiff', inputs: { before: 'a.yaml', after: 'b.yaml', format: 'json' } }, bare), 'dagger call lock-diff --before a.yaml --after b.yaml --format json');
  });

  it('leaves out a secret the caller did not provide, rather than inventing one', () => {
    const noToken: ModuleSettings = { ...full, provided: { ...full.provided, githubToken: false, registryAuth: false } };
    const line = stageRerunLine({ stage: 'lockGenerate', inputs: { pullRequest: 3 } }, noToken);
    assert.doesNotMatch(line, /registry-auth|github-token/);
    assert.match(line, /--registry-username ci-bot lock-generate --pull-request 3$/);
  });

  it('writes booleans as bare flags, false ones not at all, and lists comma-separated', () => {
    assert.equal(stageRerunLine({ stage: 'lockVerify', inputs: { lock: 'l.yaml', registry: true } }, bare), 'dagger call lock-verify --lock l.yaml --registry');
    assert.equal(stageRerunLine({ stage: 'lockVerify', inputs: { lock: 'l.yaml', registry: false } }, bare), 'dagger call lock-verify --lock l.yaml');
    assert.equal(
      stageRerunLine({ stage: 'lockGenerate', inputs: { base: 'b.yaml', only: ['cart', 'catalog'] } }, bare),
      'dagger call lock-generate --base b.yaml --only cart,catalog',
    );
  });

  it('names --lock-path in a composite line only when it is not the default', () => {
    const needs = new Set<'github'>(['github']);
    assert.match(compositeRerunLine('promoteStaging', {}, full, needs), /--lock-path ops\/locks\/current.yaml/);
    assert.doesNotMatch(compositeRerunLine('promoteStaging', {}, { ...full, lockPath: 'locks/current.lock.yaml' }, needs), /--lock-path/);
    assert.doesNotMatch(constructorFlags(full, needs).join(' '), /--lock-path/);
  });

  it('quotes only what a shell would split or expand, and round-trips through a shell split', () => {
    assert.equal(shellQuote('hotfix/cart-1.2'), 'hotfix/cart-1.2');
    assert.equal(shellQuote('env://GITHUB_TOKEN'), 'env://GITHUB_TOKEN');
    for (const value of ["it's", 'a b', '$HOME', 'x;rm -rf /', '`id`', '*']) {
      const quoted = shellQuote(value);
      assert.match(quoted, /^'.*'$/, value);
      assert.deepEqual(words(`echo ${quoted}`), ['echo', value], value);
    }
    const line = stageRerunLine({ stage: 'commitLock', inputs: { branch: 'dev', lock: "locks/it's.yaml", pullRequest: 9 } }, full);
    const split = words(line);
    assert.equal(split[split.indexOf('--lock') + 1], "locks/it's.yaml");
    assert.equal(split[split.indexOf('--config') + 1], 'ops/lockstep config.yaml');
  });
});
