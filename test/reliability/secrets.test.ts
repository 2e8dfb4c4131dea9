// Canary secrets through every command: a unique GitHub token (against the OpenAPI-validated GitHub
// double), a registry password on a real htpasswd registry, and a docker config auth file. Every run,
// also the failing ones (wrong password, 401 and 403 from GitHub, a token given where a variable name
// belongs), is searched for them: stdout, stderr, every file written under the work folder (scanned as
// it is written, so short-lived overrides in TMPDIR count), what the commands published to GitHub,
// what docker holds for the containers, and the command lines of every process while they run.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { serializeLock } from '../../src/lock/serialize.js';
import { buildProgram } from '../../src/cli/program.js';
import { startGitHubDouble, type GitHubDouble } from '../doubles/github/server.js';
import { docker, dockerUnavailableReason, removeProjectResources } from '../../support/docker.js';
import { prepareExampleSystem, type PreparedExampleSystem } from '../support/exampleSystem.js';
import { makeLock, service } from '../support/lockFixtures.js';
import { startRegistry, type StartedRegistry } from '../../support/registry.js';
import { repoRoot, runCli, type CliResult } from './harness.js';
import { canaryForms, CommandLineSampler, FileCapture, findLeaks, type Leak } from './secretScan.js';
import { recordSummary } from './summary.js';

const dockerMissing = await dockerUnavailableReason();
const random = (length: number) => randomBytes(length).toString('base64url').replace(/[-_]/g, 'x').slice(0, length);
const canary = {
  token: `ghs_${random(36)}`,
  wrongToken: `ghs_${random(36)}`,
  /** Given to --token-env by mistake: on that one command line on purpose, so not sampled there. */
  mistakenToken: `ghp_${random(36)}`,
  username: `canary-robot-${random(6).toLowerCase()}`,
  password: `canary-pw-${random(24)}`,
  wrongPassword: `canary-wrong-${random(24)}`,
};
const secretsEverywhere = [canary.token, canary.wrongToken, canary.password, canary.wrongPassword];
const pairs: Array<[string, string]> = [
  [canary.username, canary.password],
  [canary.username, canary.wrongPassword],
  ['x-access-token', canary.token],
];
const forms = canaryForms([...secretsEverywhere, canary.mistakenToken], pairs);
const commandLineForms = canaryForms(secretsEverywhere, pairs);

let filesScanned = 0;
let leakCount = 0;
after(async () => {
  await recordSummary('secrets', `secrets: ${leakCount} leaks in ${filesScanned} files`);
});

function describeLeaks(leaks: Leak[]): string {
  return leaks.map((leak) => `${leak.where}: contains ${leak.form.slice(0, 6)}…`).join('\n');
}

function explain(result: CliResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe('no secret leaks from any command (canaries on a real htpasswd registry and the GitHub double)', { skip: dockerMissing ? `docker unavailable: ${dockerMissing}` : false }, () => {
  const id = randomBytes(3).toString('hex');
  const projects = { stack: `lss-${id}-stack`, staging: `lss-${id}-staging` };
  let registry: StartedRegistry;
  let system: PreparedExampleSystem;
  let gh: GitHubDouble;
  let secretsDir: string;
  let capture: FileCapture;
  let sampler: CommandLineSampler;
  const outputs: Array<{ name: string; result: CliResult }> = [];
  const previousDockerConfig = process.env.DOCKER_CONFIG;

  /** The environment of every run: all canaries present, nothing from the developer's machine. */
  function baseEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(env)) if (name.startsWith('GITHUB_') || name.startsWith('LOCKSTEP_REGISTRY_')) delete env[name];
    return {
      ...env,
      TMPDIR: join(system.root, 'tmp'),
      DOCKER_CONFIG: join(secretsDir, 'docker'),
      GITHUB_TOKEN: canary.token,
      GITHUB_REPOSITORY: `${gh.owner}/${gh.repo}`,
      GITHUB_API_URL: gh.apiUrl,
      GITHUB_STEP_SUMMARY: join(system.root, 'step-summary.md'),
      LOCKSTEP_REGISTRY_USERNAME: canary.username,
      LOCKSTEP_REGISTRY_PASSWORD: canary.password,
    };
  }

  /** Runs one command; a failing run must fail for the reason it was set up for (`because`). */
  async function lockstep(name: string, args: string[], expected: number, env: NodeJS.ProcessEnv = {}, because?: RegExp): Promise<CliResult> {
    const result = await runCli(args, { cwd: system.repoDir, env: { ...baseEnv(), ...env }, timeoutMs: 240_000 });
    outputs.push({ name, result });
    assert.equal(result.code, expected, `${name}: ${explain(result)}`);
    if (because) assert.match(result.stderr, because, `${name}: ${explain(result)}`);
    return result;
  }

  /** What docker holds for this test's containers: env, labels, command lines, mounts. */
  async function inspectContainers(): Promise<string> {
    const ids = (await docker(['ps', '--all', '--quiet', '--no-trunc', '--filter', `name=lss-${id}`])).split('\n').filter(Boolean);
    return ids.length === 0 ? '' : docker(['inspect', ...ids]);
  }

  before(async () => {
    registry = await startRegistry({ auth: { username: canary.username, password: canary.password } });
    secretsDir = await mkdtemp(join(tmpdir(), 'lockstep-secrets-in-'));
    const auths = { auths: { [registry.host]: { auth: Buffer.from(`${canary.username}:${canary.password}`).toString('base64') } } };
    await mkdir(join(secretsDir, 'docker'));
    await writeFile(join(secretsDir, 'docker', 'config.json'), JSON.stringify(auths));
    // docker push of the example images authenticates from this file, as a CI job's docker login would.
    process.env.DOCKER_CONFIG = join(secretsDir, 'docker');
    system = await prepareExampleSystem({ registryHost: registry.host });
    await mkdir(join(system.root, 'tmp'), { recursive: true });

    const gatewayPort = await freePort();
    await writeFile(join(system.repoDir, 'secrets.ports.yaml'), 'services:\n  gateway:\n    ports:\n      - "127.0.0.1:${SECRETS_GATEWAY_PORT}:8080"\n');
    const config = parse(await readFile(system.configFile, 'utf8')) as Record<string, any>;
    // The suite prints its whole environment: whatever lockstep hands a suite container lands in its log.
    const printEnvironment = "console.log('TAP version 13'); for (const [k, v] of Object.entries(process.env)) console.log(`# ${k}=${v}`); console.log('ok 1 - environment printed'); console.log('1..1');";
    config.stack.suites = [{ name: 'canary', command: ['node', '-e', printEnvironment], timeout: '2m' }];
    config.environments = {
      staging: {
        target: { type: 'compose', project: projects.staging, composeFiles: ['compose.yaml', 'secrets.ports.yaml'], env: { SECRETS_GATEWAY_PORT: String(gatewayPort) } },
        e2e: { suites: ['canary'] },
        smoke: { probes: [{ name: 'gateway', url: `http://127.0.0.1:${gatewayPort}/healthz`, retries: 20, retryDelayMs: 500 }] },
      },
    };
    config.github = { requests: { retries: 1, retryDelayMs: 10, writeIntervalMs: 0, maxRateLimitWaitSeconds: 1 } };
    await writeFile(system.configFile, stringify(config));

    gh = await startGitHubDouble({ token: canary.token });
    const older = serializeLock(makeLock({ cart: service('cart'), catalog: service('catalog'), gateway: service('gateway'), redis: service('redis') }));
    gh.commit('main', { 'locks/current.lock.yaml': older, 'README.md': 'orchestrator' }, { message: 'release v0.9.0' });
    gh.commit('staging', { 'locks/current.lock.yaml': older }, { from: 'main' });
    gh.commit('dev', { 'services/catalog.gitlink': 'moved' }, { from: 'staging' });

    const shortLived = [join(system.root, 'tmp'), join(system.repoDir, '.lockstep'), join(system.repoDir, 'report')];
    for (const dir of shortLived) await mkdir(dir, { recursive: true });
    capture = new FileCapture(system.root, forms, shortLived);
    sampler = new CommandLineSampler(commandLineForms, 100);
  });

  after(async () => {
    sampler?.stop();
    await Promise.all(Object.values(projects).map((project) => removeProjectResources(project).catch(() => {})));
    const markers = await docker(['ps', '--all', '--quiet', '--filter', `name=^lss-${id}`]).catch(() => '');
    if (markers) await docker(['rm', '--force', ...markers.split('\n')]).catch(() => {});
    if (previousDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
    else process.env.DOCKER_CONFIG = previousDockerConfig;
    await gh?.stop();
    await system?.cleanup();
    if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
    await registry?.stop();
  });

  it('runs every command, succeeding and failing, and no canary shows anywhere', async () => {
    const lock = system.lockFile;
    const containerViews: string[] = [];
    const rejected = /rejected the credentials from LOCKSTEP_REGISTRY_USERNAME\/LOCKSTEP_REGISTRY_PASSWORD/;

    const registryLane = async () => {
      await Promise.all([
        lockstep('lock generate', ['lock', 'generate', '--out', 'locks/dev.lock.yaml'], 0),
        lockstep('lock generate (wrong password)', ['lock', 'generate', '--out', 'locks/never.lock.yaml'], 1, { LOCKSTEP_REGISTRY_PASSWORD: canary.wrongPassword }, rejected),
        lockstep('lock generate (docker config auth file)', ['lock', 'generate', '--out', 'locks/from-file.lock.yaml'], 0, {
          LOCKSTEP_REGISTRY_USERNAME: undefined,
          LOCKSTEP_REGISTRY_PASSWORD: undefined,
          LOCKSTEP_REGISTRY_AUTH_FILE: join(secretsDir, 'docker', 'config.json'),
        }),
        lockstep('lock verify --registry', ['lock', 'verify', lock, '--registry'], 0),
        lockstep('lock verify --registry (wrong password)', ['lock', 'verify', lock, '--registry'], 1, { LOCKSTEP_REGISTRY_PASSWORD: canary.wrongPassword }, rejected),
        lockstep('stack plan', ['--json', 'stack', 'plan', '--lock', lock], 0),
      ]);
    };

    const stackLane = async () => {
      await lockstep('stack up', ['stack', 'up', '--lock', lock, '--project', projects.stack], 0);
      await lockstep('stack test', ['stack', 'test', '--project', projects.stack, '--report', 'report/stack'], 0);
      containerViews.push(await inspectContainers());
      await lockstep('stack down', ['stack', 'down', '--project', projects.stack], 0);
    };

    const environmentLane = async () => {
      await lockstep('health', ['health', '--env', 'staging', '--markdown-summary'], 0);
      await lockstep('deploy (wrong password)', ['deploy', '--env', 'staging', '--lock', lock], 1, { LOCKSTEP_REGISTRY_PASSWORD: canary.wrongPassword }, rejected);
      await lockstep('deploy', ['deploy', '--env', 'staging', '--lock', lock, '--holder', 'secrets-test'], 0);
      await lockstep('status', ['status', '--env', 'staging', '--check'], 0);
      await lockstep('e2e', ['e2e', '--env', 'staging', '--report-dir', 'report/e2e'], 0);
      await lockstep('smoke', ['smoke', '--env', 'staging', '--report-dir', 'report/smoke', '--markdown-summary'], 0);
      await lockstep('release archive', ['release', 'archive', '--lock', lock, '--version', 'v1.0.0'], 0);
      await lockstep('rollback', ['rollback', '--env', 'staging', '--to', 'v1.0.0', '--holder', 'secrets-test'], 0);
      containerViews.push(await inspectContainers());
    };

    const githubLane = async () => {
      const pr = gh.openPullRequest({ head: 'dev', base: 'staging', author: 'alice' });
      await Promise.all([
        lockstep('pr comment', ['pr', 'comment', '--pr', String(pr), '--lock', lock], 0),
        lockstep('pr comment (401: wrong token)', ['pr', 'comment', '--pr', String(pr), '--lock', lock], 1, { GITHUB_TOKEN: canary.wrongToken }, /GitHub refused the token \(401/),
        lockstep('pr comment (a token given as --token-env)', ['pr', 'comment', '--pr', String(pr), '--lock', lock, '--token-env', canary.mistakenToken], 2, {}, /--token-env: takes the name/),
        lockstep('pr comment --out (rendered to a file)', ['pr', 'comment', '--lock', lock, '--out', 'rendered/comment.md'], 0),
        lockstep('pr open-promotion --out (rendered to a file)', ['pr', 'open-promotion', '--from', 'staging', '--to', 'main', '--lock', lock, '--out', 'rendered/promotion.md'], 0),
      ]);
      await lockstep('pr commit-lock', ['pr', 'commit-lock', '--branch', 'staging', '--lock', lock, '--pr', String(pr), '--expected-head', gh.head('staging')], 0);
      const opened = await lockstep('pr open-promotion', ['--json', 'pr', 'open-promotion', '--from', 'staging', '--to', 'main', '--lock', lock], 0);
      const promotion = (JSON.parse(opened.stdout) as { number: number }).number;
      gh.review(promotion, 'alice', 'APPROVED');
      await lockstep('gate approvals', ['gate', 'approvals', '--pr', String(promotion), '--required', '1'], 0);
      gh.permissions.pull_requests = 'none';
      await lockstep('gate approvals (403: no permission)', ['gate', 'approvals', '--pr', String(promotion), '--required', '1'], 1, {}, /permission denied .*403/);
      gh.permissions.pull_requests = 'write';
      await lockstep('release publish', ['release', 'publish', '--version', 'v1.0.0', '--lock', lock, '--target', gh.head('staging')], 0);
      await lockstep('release publish (401: wrong token)', ['release', 'publish', '--version', 'v1.0.1', '--lock', lock], 1, { GITHUB_TOKEN: canary.wrongToken }, /GitHub refused the token \(401/);
    };

    await Promise.all([registryLane(), stackLane(), environmentLane(), githubLane()]);
    sampler.stop();
    assert.deepEqual(gh.violations, [], 'every request matched the OpenAPI description');

    const leaks: Leak[] = [];
    for (const { name, result } of outputs) {
      leaks.push(...findLeaks(`${name}: stdout`, result.stdout, forms), ...findLeaks(`${name}: stderr`, result.stderr, forms));
    }
    containerViews.forEach((view, index) => leaks.push(...findLeaks(`docker inspect of the containers (${index + 1})`, view, forms)));
    const published = [
      ...[...gh.git.blobs.entries()].map(([sha, blob]) => ({ where: `GitHub blob ${sha}`, text: blob.toString('utf8') })),
      ...[...gh.git.commits.entries()].map(([sha, commit]) => ({ where: `GitHub commit ${sha}`, text: JSON.stringify(commit) })),
      ...[...gh.comments.values()].map((comment) => ({ where: `GitHub comment ${comment.id}`, text: comment.body })),
      ...[...gh.pulls.values()].map((pull) => ({ where: `GitHub pull request #${pull.number}`, text: `${pull.title}\n${pull.body}` })),
      ...gh.releases.flatMap((release) => [
        { where: `GitHub release ${release.tag}`, text: `${release.name}\n${release.body}` },
        ...release.assets.map((asset) => ({ where: `GitHub release asset ${asset.name}`, text: asset.data.toString('utf8') })),
      ]),
    ];
    for (const document of published) leaks.push(...findLeaks(document.where, document.text, forms));
    const files = await capture.finish();
    leaks.push(...files.leaks, ...sampler.leaks);

    filesScanned = files.files + published.length;
    leakCount = leaks.length;
    const reports = await readdir(join(system.repoDir, 'report', 'stack'));
    assert.ok(reports.includes('canary.log'), 'the suite log (the suite environment) was written and scanned');
    assert.deepEqual((await readdir(join(system.repoDir, 'rendered'))).sort(), ['comment.md', 'promotion.md'], 'the rendered bodies were written and scanned');
    assert.ok(files.files > 20, `the work folder was scanned (${files.files} files)`);
    const gone = [...capture.files].filter((file) => /override\.yaml$/.test(file) && !existsSync(join(system.root, file)));
    assert.ok(gone.length > 0, 'a compose override removed again (by stack down) was scanned while it existed');
    assert.ok(sampler.samples > 10, `command lines were sampled (${sampler.samples} times)`);
    assert.equal(leaks.length, 0, describeLeaks(leaks));
  });
});

describe('the leak search itself', () => {
  it('finds a planted canary in every form and place it looks (so 0 leaks means something)', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lockstep-leak-search-'));
    const planted = `planted-${random(20)}`;
    const plantedForms = canaryForms([planted], [['robot', planted]]);
    const capture = new FileCapture(root, plantedForms);
    const sampler = new CommandLineSampler(plantedForms, 20);
    try {
      // A fresh folder with a file written at once, removed a second later, as a compose override in TMPDIR.
      await mkdir(join(root, 'tmp'));
      await writeFile(join(root, 'tmp', 'override.yaml'), `auth: ${Buffer.from(`robot:${planted}`).toString('base64')}\n`);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await rm(join(root, 'tmp'), { recursive: true });
      await writeFile(join(root, 'kept.txt'), `url: https://x/?t=${encodeURIComponent(planted)}\n`);
      const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 400)', planted]);
      await new Promise((resolve) => child.on('close', resolve));
      sampler.stop();
      const files = await capture.finish();
      assert.deepEqual([...new Set(files.leaks.map((leak) => leak.where))].sort(), ['kept.txt', 'tmp/override.yaml'], 'the kept file and the short-lived one');
      assert.ok(sampler.leaks.length > 0, 'a canary on a command line is seen');
      assert.ok(findLeaks('stderr', `token ${Buffer.from(planted).toString('base64url')}`, plantedForms).length > 0, 'base64url in output is seen');
    } finally {
      sampler.stop();
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('secrets never travel as plain values: CLI flags and the Dagger module', () => {
  it('no CLI flag takes a secret value; --token-env takes a name and refuses a token without echoing it', () => {
    const program = buildProgram('0.0.0-test');
    const secretish = /token|password|passwd|secret|credential|auth|api-?key|private/i;
    const offenders: string[] = [];
    const nameFlags: Array<{ command: string; parse: (value: string) => unknown }> = [];
    const visit = (command: ReturnType<typeof buildProgram>, path: string) => {
      for (const option of command.options) {
        const flag = option.long ?? option.short ?? '';
        if (!secretish.test(flag)) continue;
        if (!/-(env|file)$/.test(flag)) offenders.push(`${path} ${flag}`);
        if (flag.endsWith('-env') && option.parseArg) nameFlags.push({ command: `${path} ${flag}`, parse: (value) => option.parseArg!(value, undefined) });
      }
      for (const sub of command.commands) visit(sub, `${path} ${sub.name()}`);
    };
    visit(program, 'lockstep');
    assert.deepEqual(offenders, [], 'secret-looking flags must take an environment variable name (-env) or a file (-file)');
    assert.ok(nameFlags.length >= 5, `the --token-env flags were found (${nameFlags.length})`);
    for (const { command, parse: parseName } of nameFlags) {
      assert.equal(parseName('BOT_TOKEN'), 'BOT_TOKEN', `${command} takes a variable name`);
      for (const value of [canary.token, canary.mistakenToken, 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz', 'hunter2 secret']) {
        assert.throws(
          () => parseName(value),
          (error: Error) => !error.message.includes(value) && /--token-env/.test(error.message),
          `${command} refuses a secret-looking value without repeating it`,
        );
      }
    }
  });

  it('the Dagger module hands secrets to containers only as secrets (withSecretVariable, withMountedSecret, withRegistryAuth)', async () => {
    const sources = (await readdir(join(repoRoot, 'dagger', 'src'))).filter((name) => name.endsWith('.ts'));
    assert.ok(sources.includes('index.ts'), 'found the module source');
    const problems: string[] = [];
    for (const name of sources) {
      const text = await readFile(join(repoRoot, 'dagger', 'src', name), 'utf8');
      const lines = text.split('\n');
      lines.forEach((line, index) => {
        const at = `dagger/src/${name}:${index + 1}`;
        if (/\.plaintext\s*\(/.test(line)) problems.push(`${at}: reads a secret's plaintext`);
        // A *_FILE variable carries the path of a mounted secret (AWS_WEB_IDENTITY_TOKEN_FILE), never its value.
        if (/withEnvVariable\((?!'[A-Z_]+_FILE', '\/)[^)]*(secret|token|password|auth)/i.test(line)) problems.push(`${at}: a secret-looking value as a plain variable`);
        if (/\bthis\.secret\(/.test(line) && !/with(SecretVariable|MountedSecret)\(/.test(line)) problems.push(`${at}: a secret used other than by withSecretVariable/withMountedSecret`);
        const passedAsSecret = /with(SecretVariable|MountedSecret|RegistryAuth)\(/.test(line);
        const bookkeeping = /this\.\w+ = \w+;|\{ githubToken: this\.githubToken|!== undefined(,|;|$| &&)/.test(line);
        if (/\bthis\.(githubToken|registryAuth|kubeconfig)\b/.test(line) && !passedAsSecret && !bookkeeping) {
          problems.push(`${at}: a secret field used directly`);
        }
        if (/\benv(\.|\[['"])(GITHUB_TOKEN|LOCKSTEP_REGISTRY_PASSWORD)/.test(line)) problems.push(`${at}: a secret variable set as a plain variable`);
      });
      if (name === 'index.ts') {
        assert.match(text, /withSecretVariable\('GITHUB_TOKEN', this\.githubToken\)/, 'the GitHub token travels as a secret variable');
        assert.match(text, /withSecretVariable\('LOCKSTEP_REGISTRY_PASSWORD', this\.registryAuth\)/, 'the registry password travels as a secret variable');
        assert.match(text, /withMountedSecret\('[^']+', this\.kubeconfig\)/, 'the kubeconfig is a mounted secret');
      }
    }
    assert.deepEqual(problems, []);
  });
});
