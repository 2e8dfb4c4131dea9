import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../../src/config/load.js';
import { moduleAddress, readWorkflowTemplates } from '../../../src/init/templates.js';
import { startGitHubDouble, type GitHubDouble } from '../../doubles/github/server.js';
import { repoRoot, runCli } from '../../support/cli.js';

/**
 * `lockstep init` as a user runs it, on real git repositories: an orchestrator with submodules and a
 * compose file as a team writes them (not lockstep's own layout), then `init --check` against the
 * GitHub double, which validates every request and response against GitHub's OpenAPI description.
 */

const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', '-c', 'protocol.file.allow=always', ...args], { cwd, encoding: 'utf8' });
const version = (JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** A compose file shaped like a team's: registry images with tag variables, a database from a public image, a service with only a build. */
const teamCompose = `services:
  web:
    image: ghcr.io/acme/shop-web:\${WEB_TAG:-latest}
    build: ./frontend
    ports: ["8080:80"]
    depends_on: [orders-api]
  orders-api:
    image: ghcr.io/acme/orders:\${ORDERS_TAG:-main}
    build:
      context: services/orders
      dockerfile: Dockerfile
    environment:
      DATABASE_URL: postgres://postgres@db/orders
    depends_on:
      db:
        condition: service_healthy
  billing:
    build: ./services/billing
  db:
    image: postgres:16-alpine
    healthcheck:
      test: ["CMD", "pg_isready"]
`;

let root: string;
let orchestrator: string;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'lockstep-init-'));
  orchestrator = join(root, 'orchestrator');
  for (const name of ['frontend', 'orders', 'billing']) {
    const dir = join(root, 'upstream', name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'Dockerfile'), 'FROM scratch\n');
    git(dir, 'init', '--quiet');
    git(dir, 'add', '.');
    git(dir, 'commit', '--quiet', '-m', 'init');
  }
  await mkdir(orchestrator);
  git(orchestrator, 'init', '--quiet', '--initial-branch', 'main');
  git(orchestrator, 'remote', 'add', 'origin', 'https://github.com/acme/shop.git');
  git(orchestrator, 'submodule', '--quiet', 'add', join(root, 'upstream', 'frontend'), 'frontend');
  git(orchestrator, 'submodule', '--quiet', 'add', join(root, 'upstream', 'orders'), 'services/orders');
  git(orchestrator, 'submodule', '--quiet', 'add', join(root, 'upstream', 'billing'), 'services/billing');
  await writeFile(join(orchestrator, 'docker-compose.yml'), teamCompose);
});

after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('lockstep init', () => {
  it('--dry-run prints every file it would write and writes none', async () => {
    const result = await runCli(['init', '--dry-run'], { cwd: orchestrator });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /=== lockstep\.config\.yaml \(create\)/);
    assert.match(result.stdout, /=== \.github\/workflows\/pr-check\.yml \(create\)/);
    await assert.rejects(stat(join(orchestrator, 'lockstep.config.yaml')));
    await assert.rejects(stat(join(orchestrator, '.github')));
  });

  it('proposes a config lockstep accepts: one service per submodule, images from compose', async () => {
    const result = await runCli(['--json', 'init'], { cwd: orchestrator });
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { repository: string; files: Array<{ path: string; action: string }> };
    assert.equal(report.repository, 'acme/shop');
    assert.ok(report.files.every((file) => file.action === 'create'));
    const config = await loadConfig(join(orchestrator, 'lockstep.config.yaml'));
    assert.deepEqual(config.services, {
      web: { path: 'frontend', image: 'ghcr.io/acme/shop-web', tag: 'sha-{shortCommit}' },
      'orders-api': { path: 'services/orders', image: 'ghcr.io/acme/orders', tag: 'sha-{shortCommit}' },
      billing: { path: 'services/billing', image: 'registry.invalid/billing', tag: 'sha-{shortCommit}' },
    });
    assert.equal(config.stack.composeFile, 'docker-compose.yml');
    const text = await readFile(join(orchestrator, 'lockstep.config.yaml'), 'utf8');
    assert.ok(text.startsWith(`# yaml-language-server: $schema=https://raw.githubusercontent.com/lockstep-dev/lockstep/v${version}/locks/config.schema.json\n`));
    assert.match(text, /TODO: billing: the compose file names no image/);
    assert.match(text, /Not pinned .*: db\./);
  });

  it('writes every workflow template, pinned to this version of the module', async () => {
    const templates = await readWorkflowTemplates();
    const written = (await readdir(join(orchestrator, '.github', 'workflows'))).sort();
    assert.deepEqual(written, templates.map((template) => template.name));
    for (const template of templates) {
      const text = await readFile(join(orchestrator, '.github', 'workflows', template.name), 'utf8');
      assert.equal(text, template.text);
      const workflow = parse(text) as { jobs: Record<string, { steps: Array<{ with?: { module?: string } }> }> };
      const modules = Object.values(workflow.jobs).flatMap((job) => job.steps.map((step) => step.with?.module).filter(Boolean));
      assert.deepEqual(modules, [`${moduleAddress}@v${version}`]);
    }
  });

  it('never overwrites a changed file without --force, and writes nothing then', async () => {
    const configFile = join(orchestrator, 'lockstep.config.yaml');
    await writeFile(configFile, `${await readFile(configFile, 'utf8')}# edited by the team\n`);
    await rm(join(orchestrator, '.github', 'workflows', 'rollback.yml'));
    const refused = await runCli(['init'], { cwd: orchestrator });
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /lockstep\.config\.yaml exists and differs: nothing was written/);
    await assert.rejects(stat(join(orchestrator, '.github', 'workflows', 'rollback.yml')), 'the missing workflow was not written either');

    const commit = 'c'.repeat(40);
    const forced = await runCli(['--json', 'init', '--force', '--module-ref', commit], { cwd: orchestrator });
    assert.equal(forced.code, 0, forced.stderr);
    const actions = Object.fromEntries((JSON.parse(forced.stdout) as { files: Array<{ path: string; action: string }> }).files.map((file) => [file.path, file.action]));
    assert.equal(actions['lockstep.config.yaml'], 'overwrite');
    assert.equal(actions['.github/workflows/rollback.yml'], 'create');
    assert.doesNotMatch(await readFile(configFile, 'utf8'), /edited by the team/);
    assert.match(await readFile(join(orchestrator, '.github', 'workflows', 'hotfix.yml'), 'utf8'), new RegExp(`module: ${moduleAddress}@${commit}\\n`));
  });

  it('refuses bad input with one line and exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['init', '--module-ref', 'main; rm -rf /'], /--module-ref: must be a version tag/],
      [['init', '--compose', 'missing.yml'], /missing\.yml/],
      [['init', '--tag', '{branch}'], /--tag/],
      [['init', '--dir', root], /\.gitmodules: not found/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['--config', 'other.yaml', ...args], { cwd: orchestrator });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length <= 2, true, result.stderr);
    }
    await assert.rejects(stat(join(orchestrator, 'other.yaml')));
  });
});

describe('lockstep init --check (GitHub double, validated against the OpenAPI description)', () => {
  let github: GitHubDouble;
  const check = () => runCli(['--json', 'init', '--check', '--repository', 'acme/orchestrator', '--api-url', github.apiUrl, '--token-env', 'INIT_TOKEN'], { cwd: orchestrator, env: { INIT_TOKEN: github.token } });
  before(async () => {
    github = await startGitHubDouble();
  });
  after(async () => {
    assert.deepEqual(github.violations, []);
    await github.stop();
  });

  it('reports each missing setting of a bare repository with its fix, and exits 1', async () => {
    const result = await check();
    assert.equal(result.code, 1, result.stderr);
    const findings = (JSON.parse(result.stdout) as { findings: Array<{ setting: string; problem: string; fix: string; link: string }> }).findings;
    const settings = findings.map((finding) => finding.setting);
    assert.deepEqual(settings, [
      'GitHub App',
      'variable LOCKSTEP_APP_CLIENT_ID',
      'secret LOCKSTEP_APP_PRIVATE_KEY',
      'variable LOCKSTEP_REGISTRY_USERNAME',
      'secret LOCKSTEP_REGISTRY_PASSWORD',
      'environment staging',
      'environment production',
      'branch protection staging',
      'branch protection main',
    ]);
    for (const finding of findings) {
      assert.ok(finding.fix.length > 0);
      assert.match(finding.link, /^https:\/\/github\.com\//);
    }
    assert.match(result.stderr, /9 GitHub setting\(s\) of acme\/orchestrator need fixing/);
  });

  it('reports what is wrong in a half-done setup, then passes once it is fixed', async () => {
    const s = github.settings;
    for (const name of ['LOCKSTEP_APP_CLIENT_ID', 'LOCKSTEP_REGISTRY_USERNAME']) s.variables.add(name);
    for (const name of ['LOCKSTEP_APP_PRIVATE_KEY', 'LOCKSTEP_REGISTRY_PASSWORD']) s.secrets.add(name);
    s.installations = [{ slug: 'lockstep', permissions: { contents: 'write', pull_requests: 'read', issues: 'write', metadata: 'read' }, repositorySelection: 'selected' }];
    s.environments.set('staging', { branches: ['staging'], reviewers: [], preventSelfReview: false });
    s.environments.set('production', { branches: null, reviewers: [], preventSelfReview: false });
    const protection = { approvals: 4, dismissStaleReviews: true, lastPushApproval: true, enforceAdmins: true, allowForcePushes: false, allowDeletions: false, requiredChecks: [] as string[] };
    s.protection.set('main', { ...protection, approvals: 2, allowForcePushes: true });
    s.protection.set('staging', { ...protection, approvals: 1 });

    const half = await check();
    assert.equal(half.code, 1);
    const problems = (JSON.parse(half.stdout) as { findings: Array<{ problem: string }> }).findings.map((finding) => finding.problem);
    assert.deepEqual(problems, [
      'the App "lockstep" has pull_requests: read',
      'production admits any branch',
      'production has no required reviewers: any writer can run a production rollback',
      'staging does not require the "check" check',
      'main requires 2 approval(s), not 4',
      'main accepts force pushes',
    ]);

    s.installations[0]!.permissions.pull_requests = 'write';
    s.environments.set('production', { branches: ['main'], reviewers: ['release-manager'], preventSelfReview: true });
    s.protection.set('staging', { ...protection, approvals: 1, requiredChecks: ['check'] });
    s.protection.set('main', protection);
    const done = await check();
    assert.equal(done.code, 0, done.stdout + done.stderr);
    assert.deepEqual((JSON.parse(done.stdout) as { findings: unknown[] }).findings, []);
  });

  it('says so when the token may not see the App installations, rather than guessing', async () => {
    github.settings.installations = null;
    const result = await check();
    assert.equal(result.code, 1);
    const findings = (JSON.parse(result.stdout) as { findings: Array<{ setting: string; problem: string }> }).findings;
    assert.deepEqual(findings.map((finding) => finding.setting), ['GitHub App']);
    assert.match(findings[0]!.problem, /may not list acme's App installations/);
  });
});
