import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { environmentsConfig } from '../../../src/config/environments.js';
import { ConfigRepo } from '../../../src/environments/targets/helmValues/configRepo.js';
import { createHelmValuesTarget } from '../../../src/environments/targets/helmValues/helmValuesTarget.js';
import { LockstepError } from '../../../src/errors.js';
import { run } from '../../../src/exec/run.js';
import { credentialInUrl, redactUrls } from '../../../src/git/urlCredentials.js';

// Issue 14 items 2 and 8, on real git: the clone folder of a GitOps environment and credentials in URLs.

const identity = { GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@localhost', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@localhost' };

describe('the GitOps config repository clone', () => {
  let dir: string;
  let remote: string;
  let scratchTmp: string;
  const env = () => ({ ...process.env, ...identity, TMPDIR: scratchTmp });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lockstep-gitops-security-'));
    scratchTmp = join(dir, 'tmp');
    await mkdir(scratchTmp);
    remote = join(dir, 'config.git');
    const git = (args: string[], cwd?: string) => run('git', args, { cwd, env: { ...process.env, ...identity } });
    await git(['init', '--quiet', '--bare', '--initial-branch=main', remote]);
    const seed = join(dir, 'seed');
    await git(['clone', '--quiet', remote, seed]);
    await writeFile(join(seed, 'values-staging.yaml'), 'catalog:\n  image:\n    digest: ""\n');
    await git(['add', '.'], seed);
    await git(['commit', '--quiet', '-m', 'seed'], seed);
    await git(['push', '--quiet', 'origin', 'HEAD:main'], seed);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('never runs git in a repository another user planted at a predictable temp path', async () => {
    // What an attacker prepares: a bare repository at the path the clone used to live at, whose config
    // runs a program of theirs as upload-pack when the deployer fetches.
    const marker = join(dir, 'planted-ran');
    const script = join(dir, 'planted.sh');
    await writeFile(script, `#!/bin/sh\ntouch '${marker}'\nexec git-upload-pack "$@"\n`);
    await chmod(script, 0o755);
    const predictable = join(scratchTmp, 'lockstep-gitops', createHash('sha256').update(`${dir}\0${remote}`).digest('hex').slice(0, 16));
    await mkdir(predictable, { recursive: true });
    await run('git', ['init', '--quiet', '--bare', predictable]);
    await run('git', [`--git-dir=${predictable}`, 'config', 'remote.origin.uploadpack', script]);
    await run('git', [`--git-dir=${predictable}`, 'config', 'remote.origin.url', remote]);

    const previousTmp = process.env.TMPDIR;
    process.env.TMPDIR = scratchTmp;
    try {
      const target = createHelmValuesTarget(
        { name: 'staging', target: { repository: remote, branch: 'main', valuesFile: 'values-{env}.yaml', keys: {}, mode: 'direct', lockFile: 'lockstep/{env}.lock.yaml', syncTimeoutMs: 5_000 }, services: ['catalog'], baseDir: dir },
        { env: env() },
      );
      const live = await target.readLive();
      assert.equal(live.services.catalog?.digest, null);
    } finally {
      if (previousTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previousTmp;
    }
    await assert.rejects(stat(marker), 'the planted upload-pack must never run');
    const clones = (await readdir(scratchTmp)).filter((name) => name.startsWith('lockstep-gitops-'));
    assert.equal(clones.length, 1, 'one private clone folder for the run');
    assert.equal((await stat(join(scratchTmp, clones[0]!))).mode & 0o777, 0o700, 'the clone folder is closed to other users');
  });

  it('gives each run its own folder', async () => {
    const first = await ConfigRepo.open({ repository: remote, baseDir: dir, env: env() });
    const second = await ConfigRepo.open({ repository: remote, baseDir: dir, env: env() });
    assert.notEqual(first.workDir, second.workDir);
    assert.equal((await stat(first.workDir)).mode & 0o777, 0o700);
  });

  it('refuses a given clone folder that others may write to', async () => {
    const shared = join(dir, 'shared-clone');
    await mkdir(shared);
    await chmod(shared, 0o777);
    await assert.rejects(ConfigRepo.open({ repository: remote, baseDir: dir, workDir: shared, env: env() }), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.match(error.message, /writable by others \(mode 777\)/);
      return true;
    });
  });
});

describe('credentials in GitOps repository URLs', () => {
  const token = 'ghp_s3cretTOKENvalue';

  it('refuses a token in the configured URL with a one-line config error naming the field', () => {
    for (const repository of [`https://x-access-token:${token}@github.com/acme/config.git`, `https://${token}@github.com/acme/config.git`, `ssh://git:${token}@host/config.git`]) {
      const parsed = environmentsConfig.safeParse({ staging: { target: { type: 'helm-values', repository } } });
      assert.equal(parsed.success, false, repository);
      const issue = parsed.error!.issues[0]!;
      assert.deepEqual(issue.path, ['staging', 'target', 'repository']);
      assert.match(issue.message, /must not carry credentials.*tokenEnv/);
      assert.doesNotMatch(issue.message, new RegExp(token));
    }
    for (const repository of ['https://github.com/acme/config.git', 'ssh://git@github.com/acme/config.git', 'git@github.com:acme/config.git', '../config']) {
      assert.equal(environmentsConfig.safeParse({ staging: { target: { type: 'helm-values', repository } } }).success, true, repository);
    }
  });

  it('refuses it in the clone too, without repeating the token', async () => {
    await assert.rejects(ConfigRepo.open({ repository: `https://x:${token}@127.0.0.1:1/config.git`, baseDir: tmpdir() }), (error: unknown) => {
      assert.ok(error instanceof LockstepError);
      assert.equal(error.exitCode, 2);
      assert.doesNotMatch(`${error.message}\n${error.details.join('\n')}`, new RegExp(token));
      return true;
    });
  });

  it('redacts a credential that reached a message anyway (git output, a rewritten URL)', () => {
    assert.equal(
      redactUrls(`fatal: unable to access 'https://x-access-token:${token}@github.com/acme/config.git/': 403`),
      "fatal: unable to access 'https://***@github.com/acme/config.git/': 403",
    );
    assert.equal(redactUrls('To https://github.com/acme/config.git'), 'To https://github.com/acme/config.git');
    assert.equal(credentialInUrl('https://github.com/a@b'), null, 'an @ in the path is not a user part');
  });
});
