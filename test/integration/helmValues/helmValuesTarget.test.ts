import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { parse } from 'yaml';
import { createHelmValuesTarget, type HelmValuesEnvironment, type HelmValuesTarget } from '../../../src/environments/targets/helmValues/helmValuesTarget.js';
import { updateHelmValues, valuesMapping } from '../../../src/environments/targets/helmValues/updateHelmValues.js';
import type { DesiredState } from '../../../src/environments/target.js';
import { run } from '../../../src/exec/run.js';
import { lockId } from '../../../src/lock/integrity.js';
import type { ReleaseLock } from '../../../src/lock/schema.js';
import { makeLock, service } from '../../support/lockFixtures.js';
import { startKubernetesDouble, type KubernetesDouble } from '../../doubles/kubernetes/server.js';
import { portFor } from '../../doubles/github/connect.js';
import { startGitHubDouble, type GitHubDouble } from '../../doubles/github/server.js';
import { deployLock } from '../../../src/stages/deploy.js';
import { environmentConfig } from '../../../src/config/environments.js';
import type { RegistryClient } from '../../../src/registry/client.js';

// Real git: a bare repository stands for the config repository's server, a clone seeds it.

const identity = { GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@localhost', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@localhost' };
const env = { ...process.env, ...identity };

const valuesText = `# Staging values of the shop chart.
# lockstep keeps the image keys; everything else is ours.

catalog:
  replicas: 2   # two is plenty on staging
  image:
    repository: localhost:5000/acme/catalog
    tag: "old"
    digest: ""

web:
  image:
    repository: localhost:5000/acme/web
    tag: 'old'
    digest: ~
  ingress: {enabled: true, host: web.staging.local}
`;

function git(args: string[], cwd?: string) {
  return run('git', args, { cwd, env, errorCode: 'GIT' });
}

function desiredFrom(lock: ReleaseLock): DesiredState {
  return { lock, images: Object.fromEntries(Object.entries(lock.services).map(([name, locked]) => [name, `${locked.image}@${locked.digest}`])) };
}

function lockWith(seed: string): ReleaseLock {
  return makeLock({ catalog: service('catalog', { digest: `sha256:${seed.repeat(64)}` }), web: service('web', { digest: `sha256:${seed.repeat(63)}0` }) });
}

describe('helm-values target on real git repositories', () => {
  let dir: string;
  let remote: string;
  let cache: number;
  let github: GitHubDouble;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-gitops-'));
    // The GitHub API of the config repository, validated against GitHub's OpenAPI description.
    github = await startGitHubDouble({ owner: 'acme', repo: 'shop-config' });
  });
  after(async () => {
    await github.stop();
    assert.deepEqual(github.violations, []);
    await rm(dir, { recursive: true, force: true });
  });

  /**
   * The GitHub double keeps its own commit store: this gives it the proposal branch lockstep pushes to
   * the real config repository, as GitHub would see it after the push.
   */
  function githubSeesProposal(lock: ReleaseLock): string {
    if (!github.git.refs.has('heads/main')) github.commit('main', { 'README.md': 'config repository\n' });
    const branch = `lockstep/staging/${lockId(lock)}`;
    if (!github.git.refs.has(`heads/${branch}`)) github.commit(branch, { 'values-staging.yaml': lock.integrity }, { from: 'main' });
    return branch;
  }

  beforeEach(async () => {
    remote = join(dir, `config-${Date.now()}-${Math.random().toString(16).slice(2)}.git`);
    await git(['init', '--quiet', '--bare', '--initial-branch=main', remote]);
    const seed = `${remote}-seed`;
    await git(['clone', '--quiet', remote, seed]);
    await writeFile(join(seed, 'values-staging.yaml'), valuesText);
    await writeFile(join(seed, 'README.md'), 'config repository\n');
    await git(['add', '.'], seed);
    await git(['commit', '--quiet', '-m', 'Seed the staging values'], seed);
    await git(['push', '--quiet', 'origin', 'HEAD:main'], seed);
    cache = 0;
  });

  function target(overrides: Partial<HelmValuesEnvironment['target']> = {}, extra: Partial<HelmValuesEnvironment> = {}, workDir?: string): HelmValuesTarget {
    cache += 1;
    return createHelmValuesTarget(
      {
        name: 'staging',
        target: { repository: remote, branch: 'main', valuesFile: 'values-{env}.yaml', keys: {}, mode: 'pull-request', lockFile: 'lockstep/{env}.lock.yaml', syncTimeoutMs: 20_000, ...overrides },
        services: ['catalog', 'web'],
        baseDir: dir,
        ...extra,
      },
      { workDir: workDir ?? `${remote}-work-${cache}`, env, pollIntervalMs: 50, kubernetes: { pollIntervalMs: 50 }, github: () => portFor(github) },
    );
  }

  const head = async (ref: string) => (await git(['--git-dir', remote, 'rev-parse', ref])).stdout.trim();
  const show = async (spec: string) => (await git(['--git-dir', remote, 'show', spec])).stdout;

  it('proposes a branch whose values differ only in the image scalars, and leaves main alone', async () => {
    const lock = lockWith('a');
    const main = await head('main');
    const proposer = target();
    githubSeesProposal(lock);
    await proposer.apply(desiredFrom(lock), () => {});
    const proposal = proposer.proposal!;
    assert.equal(proposal.branch, `lockstep/staging/${lockId(lock)}`);
    assert.equal(proposal.changed, true);
    assert.equal(proposal.baseCommit, main);
    assert.deepEqual(proposal.services, ['catalog', 'web']);
    assert.equal(proposal.title, `Deploy lock ${lockId(lock)} to staging`);
    assert.match(proposal.body, /\| catalog \|/);
    assert.equal(await head('main'), main, 'pull-request mode must not touch the base branch');
    assert.equal(await head(proposal.branch), proposal.commit);

    const proposed = await show(`${proposal.branch}:values-staging.yaml`);
    assert.equal(proposed, updateHelmValues(valuesText, lock, valuesMapping(['catalog', 'web'])));
    const changed = proposed.split('\n').filter((line, index) => line !== valuesText.split('\n')[index]);
    assert.deepEqual(changed, [
      `    tag: "${lock.services.catalog!.tag}"`,
      `    digest: "${lock.services.catalog!.digest}"`,
      `    tag: '${lock.services.web!.tag}'`,
      `    digest: ${lock.services.web!.digest}`,
    ]);
    const files = (await git(['--git-dir', remote, 'diff', '--name-only', main, proposal.branch])).stdout.trim().split('\n');
    assert.deepEqual(files, ['lockstep/staging.lock.yaml', 'values-staging.yaml']);
    assert.equal((parse(await show(`${proposal.branch}:lockstep/staging.lock.yaml`)) as ReleaseLock).integrity, lock.integrity);
    const message = (await git(['--git-dir', remote, 'log', '-1', '--format=%B', proposal.branch])).stdout;
    assert.match(message, new RegExp(`^Deploy lock ${lockId(lock)} to staging\n\n- catalog: `));
    assert.match(message, new RegExp(`Lockstep-Lock: ${lock.integrity}`));
  });

  it('a rerun, even from a fresh clone, pushes no new commit', async () => {
    const lock = lockWith('b');
    githubSeesProposal(lock);
    const first = target();
    await first.apply(desiredFrom(lock), () => {});
    const commit = first.proposal!.commit;
    const again = target();
    const lines: string[] = [];
    await again.apply(desiredFrom(lock), (line) => lines.push(line));
    assert.equal(again.proposal!.commit, commit);
    assert.equal(await head(first.proposal!.branch), commit);
    assert.match(lines.join('\n'), /already holds this change/);
    const count = (await git(['--git-dir', remote, 'rev-list', '--count', first.proposal!.branch])).stdout.trim();
    assert.equal(count, '2');
  });

  it('pull-request mode ends the deploy "proposed" with a labelled pull request; the same deploy finishes it after the merge', async () => {
    const lock = lockWith('5');
    const branch = githubSeesProposal(lock);
    const config = environmentConfig.parse({ target: { type: 'helm-values', repository: remote } });
    const registry = { manifestExists: () => Promise.resolve(true) } as unknown as RegistryClient;
    const lines: string[] = [];
    const input = { environment: 'staging', config, lock, registry, holder: 'run-1', configFile: 'lockstep.config.yaml', progress: (line: string) => lines.push(line) };
    const main = await head('main');

    const proposed = await deployLock({ ...input, target: target() });
    assert.equal(proposed.outcome, 'proposed');
    assert.equal(await head('main'), main, 'nothing reaches the base branch before the merge');
    const pull = [...github.pulls.values()].find((item) => item.headRef === branch && item.state === 'open');
    assert.ok(pull, 'the proposal pull request is open on the config repository');
    assert.equal(pull.baseRef, 'main');
    assert.deepEqual(pull.labels, ['automation:release-bump']);
    assert.equal(pull.title, `Deploy lock ${lockId(lock)} to staging`);
    assert.equal(proposed.proposal?.pullRequest?.number, pull.number);
    assert.doesNotMatch(lines.join('\n'), /restor|rolled back/i, 'a proposal is not a failed rollout');

    // The merge button: main moves to the proposal on the real config repository, GitHub closes the PR.
    await git(['--git-dir', remote, 'update-ref', 'refs/heads/main', `refs/heads/${branch}`]);
    github.merge(pull.number);
    const deployed = await deployLock({ ...input, target: target() });
    assert.equal(deployed.outcome, 'deployed');
    assert.equal(deployed.proposal, null);
    assert.equal((await target().readLive()).lockIntegrity, lock.integrity);
  });

  it('direct mode commits onto main, reads back as live, and a rerun commits nothing', async () => {
    const lock = lockWith('c');
    const direct = target({ mode: 'direct' });
    await direct.apply(desiredFrom(lock), () => {});
    const main = await head('main');
    assert.equal(direct.proposal!.commit, main);
    const live = await target({ mode: 'direct' }).readLive();
    assert.equal(live.lockIntegrity, lock.integrity);
    assert.deepEqual(live.lock, lock);
    assert.equal(live.services.web!.digest, lock.services.web!.digest);
    assert.equal(live.services.web!.image, `${lock.services.web!.image}@${lock.services.web!.digest}`);

    const rerun = target({ mode: 'direct' });
    await rerun.apply(desiredFrom(lock), () => {});
    assert.equal(rerun.proposal!.changed, false);
    assert.equal(await head('main'), main);
  });

  it('direct mode restore reverts the bump commit and keeps what others committed since', async () => {
    const first = lockWith('d');
    await target({ mode: 'direct' }).apply(desiredFrom(first), () => {});
    const deployer = target({ mode: 'direct' });
    const previous = await deployer.readLive();
    await deployer.apply(desiredFrom(lockWith('e')), () => {});
    const bump = await head('main');
    // A teammate changes the same file after the bump: a restore that rewrites whole files would undo it.
    const seed = `${remote}-teammate`;
    await git(['clone', '--quiet', remote, seed]);
    const values = (await show('main:values-staging.yaml')).replace('replicas: 2   # two is plenty on staging', 'replicas: 5   # more for the sale');
    await writeFile(join(seed, 'values-staging.yaml'), values);
    await git(['commit', '--quiet', '-am', 'Scale catalog for the sale'], seed);
    await git(['push', '--quiet', 'origin', 'HEAD:main'], seed);

    await deployer.restore(previous, ['catalog', 'web'], () => {});
    const restored = parse(await show('main:values-staging.yaml')) as { catalog: { replicas: number; image: { digest: string } } };
    assert.equal(restored.catalog.replicas, 5, "the teammate's later change stays");
    assert.equal(restored.catalog.image.digest, first.services.catalog!.digest);
    assert.equal((await deployer.readLive()).lockIntegrity, first.integrity);
    const message = (await git(['--git-dir', remote, 'log', '-1', '--format=%B', 'main'])).stdout;
    assert.match(message, new RegExp(`^Revert "Deploy lock [0-9a-f]+ to staging"\n\nThis reverts commit ${bump}: its rollout failed[.]`));
    assert.equal((await git(['--git-dir', remote, 'rev-parse', 'main^'])).stdout.trim() !== bump, true, 'the revert sits on top of the later commit');
  });

  it('direct mode restore refuses a revert that conflicts, and pushes nothing', async () => {
    await target({ mode: 'direct' }).apply(desiredFrom(lockWith('1')), () => {});
    const deployer = target({ mode: 'direct' });
    const previous = await deployer.readLive();
    const second = lockWith('2');
    await deployer.apply(desiredFrom(second), () => {});
    const seed = `${remote}-conflict`;
    await git(['clone', '--quiet', remote, seed]);
    const values = (await show('main:values-staging.yaml')).replace(second.services.catalog!.digest, `sha256:${'9'.repeat(64)}`);
    await writeFile(join(seed, 'values-staging.yaml'), values);
    await git(['commit', '--quiet', '-am', 'Hand-pin catalog'], seed);
    await git(['push', '--quiet', 'origin', 'HEAD:main'], seed);
    const main = await head('main');
    await assert.rejects(deployer.restore(previous, ['catalog', 'web'], () => {}), /conflicts with later commits; nothing was pushed/);
    assert.equal(await head('main'), main);
  });

  it('the git-ref lease is refused while held and free after release; one of three racers wins', async () => {
    const now = new Date('2026-11-21T12:00:00Z');
    assert.equal((await target().acquireLease('run-1', 60_000, now)).acquired, true);
    const refused = await target().acquireLease('run-2', 60_000, now);
    assert.equal(refused.acquired, false);
    assert.equal(!refused.acquired && refused.heldBy.holder, 'run-1');
    await target().releaseLease('run-2');
    assert.equal((await target().acquireLease('run-2', 60_000, now)).acquired, false, 'only the holder releases');
    await target().releaseLease('run-1');
    await assert.rejects(head('refs/lockstep/leases/staging'));

    const racers = await Promise.all(['a', 'b', 'c'].map((holder) => target().acquireLease(holder, 60_000, now)));
    assert.equal(racers.filter((result) => result.acquired).length, 1, JSON.stringify(racers));
    const expired = await target().acquireLease('late', 60_000, new Date(now.getTime() + 120_000));
    assert.equal(expired.acquired && expired.tookOverStale !== undefined, true);
  });

  it('a missing values file or branch is reported with where to look', async () => {
    await assert.rejects(target({ valuesFile: 'values-prod.yaml' }).readLive(), /values-prod\.yaml: not found on main/);
    await assert.rejects(target({ branch: 'production' }).readLive(), /has no branch production/);
    assert.throws(() => target({ valuesFile: '../escape.yaml' }), /environments\.staging\.target\.valuesFile: "\.\.\/escape\.yaml" must be a relative path/);
  });

  describe('with the cluster read through a Kubernetes API double validated against the OpenAPI description', () => {
    let double: KubernetesDouble;
    let controller: NodeJS.Timeout | undefined;

    beforeEach(async () => {
      double = await startKubernetesDouble({ rolloutDelayMs: 100 });
      for (const name of ['catalog', 'web']) double.seedDeployment({ namespace: 'shop', name, containers: [{ name, image: `localhost:5000/acme/${name}:old` }] });
      double.setNodes([{ name: 'node-a', ready: true }]);
    });
    afterEach(async () => {
      clearInterval(controller);
      await double.stop();
      assert.deepEqual(double.violations, []);
    });

    /** A stand-in for Argo CD: applies main's values to the cluster a little after each commit. */
    function gitopsController(render: (repository: string, digest: string) => string = (repository, digest) => `${repository}@${digest}`): void {
      let applied = '';
      controller = setInterval(() => {
        void show('main:values-staging.yaml').then((text) => {
          if (text === applied) return;
          applied = text;
          const values = parse(text) as Record<string, { image: { repository: string; digest: string | null } }>;
          for (const name of ['catalog', 'web']) {
            const image = values[name]!.image;
            if (image.digest) double.setImageOutOfBand('shop', name, name, render(image.repository, image.digest));
          }
        });
      }, 150);
    }

    it('direct mode waits until the cluster runs the commit, and health covers repository and cluster', async () => {
      const kubeconfig = await double.writeKubeconfig(dir);
      const cluster = { kubeconfig, namespace: 'shop', services: {}, rolloutTimeoutMs: 10_000 };
      const gitops = target({ mode: 'direct', cluster }, { health: { nodes: { minReady: 1 }, timeoutMs: 5_000 } });
      const checks = await gitops.healthChecks();
      assert.deepEqual(checks.map((check) => [check.name, check.ok]), [['config repository', true], ['kubernetes API', true], ['nodes', true], ['deployments', true]]);

      const lock = lockWith('f');
      const before = await gitops.readLive();
      assert.equal(before.services.catalog!.state, 'out of sync');
      gitopsController();
      const lines: string[] = [];
      double.holdRollouts = true;
      let finished = false;
      const applying = gitops.apply(desiredFrom(lock), (line) => lines.push(line)).finally(() => (finished = true));
      while (!finished && !lines.some((line) => line.startsWith('waiting for the GitOps controller: catalog, web'))) await sleep(20);
      assert.equal(finished, false, 'apply must wait for the cluster to run the commit');
      double.holdRollouts = false;
      await applying;
      const live = await gitops.readLive();
      assert.equal(live.services.catalog!.healthy, true);
      assert.equal(live.services.web!.digest, lock.services.web!.digest);

      const lease = await gitops.acquireLease('run-1', 60_000);
      assert.equal(lease.acquired, true);
      assert.ok(double.object('leases', 'shop', 'lockstep-staging'), 'with a cluster, the lease is a Lease object');
      await gitops.releaseLease('run-1');
    });

    it('direct mode matches the cluster by digest whatever form the chart renders (registry prefix, tag and digest)', async () => {
      const kubeconfig = await double.writeKubeconfig(dir);
      const gitops = target({ mode: 'direct', syncTimeoutMs: 4_000, cluster: { kubeconfig, namespace: 'shop', services: {}, rolloutTimeoutMs: 10_000 } });
      gitopsController((repository, digest) => `docker.io/${repository}:v1.2.3@${digest}`);
      const lock = lockWith('7');
      await gitops.apply(desiredFrom(lock), () => {});
      const live = await gitops.readLive();
      assert.equal(live.services.catalog!.digest, lock.services.catalog!.digest);
      assert.equal(live.services.catalog!.healthy, true);
    });
  });
});
