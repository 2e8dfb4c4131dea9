import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { demoEnvironments } from '../../src/demo/demoEnvironments.js';
import { readLockMarker } from '../../src/github/markers.js';
import { lockId } from '../../src/lock/integrity.js';
import { freePort } from '../../src/net/freePort.js';
import { checkIntegrity } from '../../src/lock/read.js';
import { releaseLock, type ReleaseLock } from '../../src/lock/schema.js';
import type { RunReport } from '../../src/report/runReport.js';
import { changeService, createExampleSystem, removeSandboxTags } from '../../src/sandbox/exampleSystem.js';
import { commitAll, git } from '../../src/sandbox/git.js';
import { docker, dockerUnavailableReason, listProjectContainers, removeLockstepMarkers, removeProjectResources } from '../../support/docker.js';
import { startRegistry } from '../../support/registry.js';
import type { ApprovalGateResult } from '../../src/stages/approvalGate.js';
import { runCli } from '../support/cli.js';
import { startGitHubDouble, type GitHubDouble } from '../doubles/github/server.js';
import { loadWorkflows, runWorkflow, workflowFor, type Workflow, type WorkflowEvent, type WorkflowRun } from './story/actionsRunner.js';
import { ModuleUnderDouble } from './story/daggerModule.js';
import { RepoTwin } from './story/repoTwin.js';

/**
 * Issue 13: the whole promotion, event by event, as GitHub runs it. Each event starts the workflow
 * `lockstep init` writes for it (templates/workflows), run by a small Actions runner whose one
 * `dagger call` goes through the lockstep Dagger module to the CLI pipeline it names. Real git, a real
 * registry, real Docker (compose environments staging and production); GitHub is the OpenAPI-checked
 * double, which people use through its API (pull requests, reviews, merges). After every step: what
 * runs in each environment (docker inspect), what GitHub holds, what the repository holds.
 */

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const approvers = ['ana', 'ben', 'chen', 'dora'];

it('the whole story: pull request, staging, four reviews, production, a bad release, rollbacks, a hotfix, a no-op merge (system test)', { timeout: 15 * 60_000 }, async (t) => {
  const unavailable = await dockerUnavailableReason();
  if (unavailable) {
    t.skip(`docker daemon not reachable: ${unavailable}`);
    return;
  }
  const started = performance.now();
  const id = randomBytes(3).toString('hex');
  const prefix = `story-${id}`;
  const projects = { staging: `${prefix}-staging`, production: `${prefix}-production` };
  // Every checkout, runner folder and engine-double container of the story (child processes included) lives under one folder.
  const scratch = await mkdtemp(join(tmpdir(), `lockstep-${prefix}-tmp-`));
  const savedTmp = process.env.TMPDIR;
  process.env.TMPDIR = scratch;
  cleanups.push(async () => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    await rm(scratch, { recursive: true, force: true });
  });
  for (const project of [...Object.values(projects), 'lockstep-pr', 'lockstep-hotfix']) {
    cleanups.push(() => removeProjectResources(project));
    cleanups.push(() => removeLockstepMarkers(project));
  }

  // ---- the world: a registry, the services' repositories and images, the orchestrator, GitHub ----
  const registry = await startRegistry();
  cleanups.push(() => registry.stop());
  const root = await mkdtemp(join(tmpdir(), `lockstep-${prefix}-`));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  const system = await createExampleSystem({ root, registryHost: registry.host });
  cleanups.push(() => removeSandboxTags(system));
  const repo = system.repoDir;
  system.config.repository = 'acme/orchestrator';
  // The workflows act as the lockstep GitHub App (actions/create-github-app-token): lockstep knows its own comments by the App's bot user.
  system.config.github = { ...system.config.github, appSlug: 'lockstep-app' } as typeof system.config.github;
  system.config.environments = demoEnvironments(prefix, { staging: await freePort(), production: await freePort() });
  // The platform team configures the environments on main; the change flows down to staging and dev.
  await git(repo, ['checkout', '--quiet', 'main']);
  await writeFile(system.configFile, `# The story's orchestrator.\n${stringify(system.config, { lineWidth: 0 })}`);
  await commitAll(repo, 'Configure staging and production');
  for (const branch of ['staging', 'dev']) await git(repo, ['branch', '--force', branch, 'main']);

  const github = await startGitHubDouble({ owner: 'acme', repo: 'orchestrator', actor: 'lockstep-app[bot]' });
  cleanups.push(() => github.stop());
  github.grant('outsider', 'read');
  const twin = new RepoTwin(repo, github);
  cleanups.push(() => twin.removeScratch());
  for (const branch of ['main', 'staging', 'dev']) await twin.push(branch);

  const module = await ModuleUnderDouble.load();
  cleanups.push(() => module.remove());
  const workflows = await loadWorkflows();
  const secrets = { LOCKSTEP_APP_PRIVATE_KEY: 'story-app-key', LOCKSTEP_REGISTRY_PASSWORD: randomBytes(12).toString('hex'), LOCKSTEP_KUBECONFIG: '' };
  const vars = { LOCKSTEP_APP_CLIENT_ID: 'Iv1.story', LOCKSTEP_REGISTRY_USERNAME: 'story-ci' };
  let runNumber = 0;
  const runs: Array<{ workflow: string; seconds: number }> = [];

  /** An event on GitHub: the workflow it starts, run; its report read back from the exported artifact. */
  const trigger = async (event: WorkflowEvent): Promise<{ run: WorkflowRun; workflow: Workflow; report: RunReport | null; checkout: string }> => {
    const workflow = workflowFor(workflows, event);
    runNumber += 1;
    const at = performance.now();
    const run = await runWorkflow(
      workflow,
      event,
      {
        repository: 'acme/orchestrator',
        apiUrl: github.apiUrl,
        serverUrl: github.apiUrl.replace(/\/api\/v3$/, ''),
        secrets,
        vars,
        appToken: github.token,
        runToken: github.token,
        checkout: (ref) => twin.checkout(ref),
        dagger: (words, env, cwd) =>
          module.call(module.parse(words), {
            cwd,
            env,
            host: { githubApiUrl: github.apiUrl, dockerSocket: true },
            hostEnv: ['HOME', 'LOCKSTEP_NODE_IMAGE', 'LOCKSTEP_BASE_IMAGE', 'DOCKER_BUILDKIT'],
            timeoutMs: 300_000,
          }),
      },
      runNumber,
    );
    runs.push({ workflow: workflow.file, seconds: Math.round((performance.now() - at) / 100) / 10 });
    const checkout = run.dagger?.checkout ?? '';
    const reportFile = join(checkout, '.lockstep/run/run.json');
    const report = checkout && existsSync(reportFile) ? (JSON.parse(await readFile(reportFile, 'utf8')) as RunReport) : null;
    return { run, workflow, report, checkout };
  };
  const explain = (outcome: { run: WorkflowRun; report: RunReport | null }) =>
    JSON.stringify({ steps: outcome.run.steps.filter((step) => step.outcome !== 'success').map((step) => [step.step, step.log.slice(-1500)]), stages: outcome.report?.stages.map((stage) => [stage.name, stage.status, stage.error ?? stage.summary]) }, null, 1);
  const stagesOf = (report: RunReport | null) => Object.fromEntries((report?.stages ?? []).map((stage) => [stage.name, stage.status]));
  const person = (login: string) => api(github, github.tokenFor(login));

  /** What runs in a compose environment: each service's image digest, read from docker itself. */
  const live = async (environment: 'staging' | 'production'): Promise<Record<string, string>> => {
    const digests: Record<string, string> = {};
    for (const container of await listProjectContainers(projects[environment])) {
      if (container.state !== 'running') continue;
      const [service, image] = (await docker(['inspect', '--format', '{{index .Config.Labels "com.docker.compose.service"}} {{.Config.Image}}', container.id])).trim().split(' ');
      digests[service!] = image!.slice(image!.indexOf('@') + 1);
    }
    return digests;
  };
  const digestsOf = (lock: ReleaseLock) => Object.fromEntries(Object.entries(lock.services).map(([name, service]) => [name, service.digest]));
  const lockOn = (ref: string, path = 'locks/current.lock.yaml') => {
    const content = github.fileAt(ref, path);
    return content ? { text: content.toString('utf8'), lock: parseLockText(content.toString('utf8'), `${ref}:${path}`) } : null;
  };
  const realFile = async (ref: string, path: string) => (await git(repo, ['show', `${ref}:${path}`]).catch(() => null))?.stdout ?? null;
  const assertNoViolations = () => assert.deepEqual(github.violations, [], 'every request and response matched GitHub\'s OpenAPI description');

  // ---- 1. dev -> staging pull request opened: pr-check ----
  await twin.workOn('dev');
  await writeFile(join(repo, 'RELEASE.md'), 'Release 1: the shop, first time through the pipeline.\n');
  await commitAll(repo, 'Describe release 1');
  await twin.push('dev');
  const pr1 = await person('dana').post('/pulls', { head: 'dev', base: 'staging', title: 'Release 1' });
  assert.equal(pr1.status, 201);
  const pr1Number = pr1.body.number as number;
  const check1 = await trigger({ name: 'pull_request', action: 'opened', number: pr1Number, base: 'staging', head: 'dev', headSha: github.head('dev') });
  assert.equal(check1.workflow.file, 'pr-check.yml');
  assert.equal(check1.run.dagger?.outcome.pipeline, 'pr-check', 'the workflow\'s dagger call runs lockstep run pr-check');
  assert.equal(check1.run.conclusion, 'success', explain(check1));
  assert.deepEqual(stagesOf(check1.report), { 'lock generate': 'passed', 'stack up': 'passed', 'stack test': 'passed', 'stack down': 'passed', 'pr comment': 'passed', 'commit lock': 'passed' });
  assert.ok(check1.report!.tests.length >= 2 && check1.report!.tests.every((suite) => suite.failed === 0 && suite.passed > 0), JSON.stringify(check1.report!.tests));
  const lock1Text = await readFile(join(check1.checkout, '.lockstep/run/lock.yaml'), 'utf8');
  const lock1 = parseLockText(lock1Text, 'lock.yaml');
  for (const [name, service] of Object.entries(system.services)) assert.equal(lock1.services[name]!.digest, service.digest, `${name}: the lock names the image its CI pushed`);
  const comments1 = [...github.comments.values()].filter((comment) => comment.issue === pr1Number);
  assert.equal(comments1.length, 1, 'one sticky comment');
  assert.equal(comments1[0]!.user.login, 'lockstep-app[bot]');
  assert.ok(comments1[0]!.body.includes(lockId(lock1)), 'the comment names the lock');
  assert.equal(readLockMarker(comments1[0]!.body), lock1.integrity, 'the comment carries the lock by its integrity');
  for (const service of Object.values(lock1.services)) assert.ok(comments1[0]!.body.includes(service.digest.slice(7, 19)), `the comment shows ${service.digest}`);
  // The lock commit went to the pull request's head branch, through the API.
  const onDev = lockOn('dev');
  assert.equal(onDev?.text, lock1Text, 'dev carries the lock pr-check made, byte for byte');
  assert.deepEqual(await live('staging'), {}, 'nothing runs in staging yet');
  assert.deepEqual(await live('production'), {}, 'nothing runs in production yet');
  assertNoViolations();

  // The lock commit starts pr-check again on the new head: it finds the lock unchanged and commits nothing.
  const devHead = github.head('dev');
  const recheck = await trigger({ name: 'pull_request', action: 'synchronize', number: pr1Number, base: 'staging', head: 'dev', headSha: devHead });
  assert.equal(recheck.run.conclusion, 'success', explain(recheck));
  assert.equal(github.head('dev'), devHead, 'the second run commits nothing');
  assert.equal([...github.comments.values()].filter((comment) => comment.issue === pr1Number).length, 1, 'still one comment');

  // ---- 2. merged: the lock is on staging, byte-identical ----
  const merge1 = await person('dana').put(`/pulls/${pr1Number}/merge`, { merge_method: 'merge' });
  assert.equal(merge1.status, 200, JSON.stringify(merge1.body));
  await twin.pull('staging');
  await twin.pull('dev');
  const onStaging = lockOn('staging')!;
  assert.equal(onStaging.text, lock1Text, 'the lock committed to staging is the one pr-check made and commented');
  assert.equal(lockId(onStaging.lock), lockId(lock1));
  assert.equal(await realFile('staging', 'locks/current.lock.yaml'), lock1Text, 'and the repository\'s staging branch holds it');
  assert.equal(github.pulls.get(pr1Number)!.state, 'closed');

  // ---- 3. push to staging: promote-staging ----
  const refsBeforeStaging = new Map(github.git.refs);
  const stagingRun = await trigger({ name: 'push', branch: 'staging', sha: github.head('staging') });
  assert.equal(stagingRun.workflow.file, 'promote-staging.yml');
  assert.equal(stagingRun.run.dagger?.outcome.pipeline, 'promote-staging');
  assert.equal(stagingRun.run.conclusion, 'success', explain(stagingRun));
  assert.deepEqual(stagesOf(stagingRun.report), { health: 'passed', deploy: 'passed', e2e: 'passed', 'open promotion': 'passed' });
  assert.deepEqual(await live('staging'), digestsOf(lock1), 'staging runs exactly the lock\'s digests');
  assert.deepEqual(await live('production'), {});
  const promotions = [...github.pulls.values()].filter((pull) => pull.headRef === 'staging' && pull.baseRef === 'main' && pull.state === 'open');
  assert.equal(promotions.length, 1, 'one staging -> main promotion pull request');
  const promotion1 = promotions[0]!;
  assert.equal(promotion1.user.login, 'lockstep-app[bot]');
  assert.equal(readLockMarker(promotion1.body), lock1.integrity, 'the promotion carries the lock by its integrity');
  assert.equal(lockOn('staging')!.text, lock1Text, 'the promotion carries the lock unchanged');
  assert.deepEqual(new Map(github.git.refs), refsBeforeStaging, 'promote-staging moves no branch and makes no tag');
  assertNoViolations();

  // ---- 4. reviews through the API; the gate refuses until four valid approvals are in ----
  const oldCommit = github.git.commits.get(github.head('staging'))!.parents[0]!;
  assert.equal((await person('ana').post(`/pulls/${promotion1.number}/reviews`, { event: 'APPROVE', commit_id: oldCommit })).status, 200, 'an approval of an older commit');
  const own = await api(github, github.token).post(`/pulls/${promotion1.number}/reviews`, { event: 'APPROVE' });
  assert.equal(own.status, 422, 'GitHub refuses the author\'s own approval');
  assert.equal((await api(github, github.tokenFor('renovate[bot]')).post(`/pulls/${promotion1.number}/reviews`, { event: 'APPROVE' })).status, 200, 'a bot\'s approval');
  assert.equal((await person('outsider').post(`/pulls/${promotion1.number}/reviews`, { event: 'APPROVE' })).status, 200, 'an approval from a user without write access');
  // The merge is what runs the gate in CI (step 5); before it, the same gate as a person runs it against the open promotion.
  const invalidOnly = await gateCli(twin, github, promotion1.number);
  assert.notEqual(invalidOnly.code, 0, 'an old-commit approval, a bot\'s and a reader\'s are not approvals');
  assert.equal(invalidOnly.result.approvals.approvals, 0, JSON.stringify(invalidOnly.result.approvals));
  const verdicts = Object.fromEntries(invalidOnly.result.approvals.reviewers.map((verdict) => [verdict.reviewer, verdict]));
  assert.deepEqual(Object.keys(verdicts).sort(), ['ana', 'outsider', 'renovate[bot]']);
  for (const verdict of Object.values(verdicts)) assert.equal(verdict.counts, false, `${verdict.reviewer}: ${verdict.reason}`);
  for (const login of approvers.slice(0, 3)) assert.equal((await person(login).post(`/pulls/${promotion1.number}/reviews`, { event: 'APPROVE' })).status, 200);
  const threeValid = await gateCli(twin, github, promotion1.number);
  assert.notEqual(threeValid.code, 0, 'three valid approvals are not enough');
  assert.equal(threeValid.result.approvals.approvals, 3, 'ana again on the head commit, ben and chen: three');
  assert.match(threeValid.stderr, /3 of 4 required approvals on the head commit/);
  assert.equal((await person(approvers[3]!).post(`/pulls/${promotion1.number}/reviews`, { event: 'APPROVE' })).status, 200);

  // ---- 5. merged: promote-production ----
  const merge2 = await person('dana').put(`/pulls/${promotion1.number}/merge`, { merge_method: 'merge' });
  assert.equal(merge2.status, 200, JSON.stringify(merge2.body));
  await twin.pull('main');
  const release1Commit = github.head('main');
  const production1 = await trigger({ name: 'push', branch: 'main', sha: release1Commit });
  assert.equal(production1.workflow.file, 'promote-production.yml');
  assert.equal(production1.run.dagger?.outcome.pipeline, 'promote-production');
  assert.equal(production1.run.conclusion, 'success', explain(production1));
  const stages1 = stagesOf(production1.report);
  for (const stage of ['release resolve', 'approval gate', 'health', 'deploy', 'smoke', 'release archive', 'release commit', 'release publish']) assert.equal(stages1[stage], 'passed', `${stage}: ${JSON.stringify(stages1)}`);
  assert.equal(github.releases.length, 1, 'one GitHub release');
  const v1 = github.releases[0]!.tag;
  assert.match(v1, /^v\d+\.\d+\.\d+$/);
  assert.deepEqual(await live('production'), digestsOf(lock1), 'production runs exactly the lock\'s digests');
  assert.deepEqual(await live('staging'), digestsOf(lock1));
  const release1 = github.releases.find((release) => release.tag === v1);
  assert.ok(release1, `a GitHub release ${v1}`);
  assert.equal(github.git.peel(github.git.refs.get(`tags/${v1}`)!), release1Commit, 'the tag points at the merge commit that was deployed');
  const asset1 = release1.assets.find((asset) => asset.name.endsWith('.yaml') || asset.name.endsWith('.yml'));
  assert.ok(asset1, 'the release carries the lock as an asset');
  assert.equal(parseLockText(asset1.data.toString('utf8'), asset1.name).integrity, lock1.integrity);
  // The archive is committed to main, where rollback reads it.
  await twin.pull('main');
  const archived1 = lockOn('main', `locks/releases/${v1}.lock.yaml`);
  assert.ok(archived1, `main holds locks/releases/${v1}.lock.yaml`);
  assert.equal(archived1.lock.integrity, lock1.integrity);
  assert.equal(await realFile('main', `locks/releases/${v1}.lock.yaml`), archived1.text);
  assertNoViolations();

  // ---- 6. a second release whose smoke tests fail in production: back on release 1 by itself ----
  await twin.pull('main');
  await twin.workOn('dev');
  await git(repo, ['merge', '--quiet', '--no-edit', 'main']);
  await twin.push('dev');
  await changeService(system, 'catalog', { kind: 'unpriced', only: 'production' });
  await twin.push('dev');
  const lock2 = await throughStaging('Release 2');
  assert.notEqual(lock2.services.catalog!.digest, lock1.services.catalog!.digest);
  const promotion2 = [...github.pulls.values()].find((pull) => pull.headRef === 'staging' && pull.baseRef === 'main' && pull.state === 'open')!;
  for (const login of approvers) assert.equal((await person(login).post(`/pulls/${promotion2.number}/reviews`, { event: 'APPROVE' })).status, 200);
  assert.equal((await person('dana').put(`/pulls/${promotion2.number}/merge`, { merge_method: 'merge' })).status, 200);
  await twin.pull('main');
  const releasesBefore = github.releases.length;
  const production2 = await trigger({ name: 'push', branch: 'main', sha: github.head('main') });
  assert.equal(production2.run.conclusion, 'failure', 'the run fails: its smoke tests failed');
  const stages2 = stagesOf(production2.report);
  assert.equal(stages2.deploy, 'passed', JSON.stringify(stages2));
  assert.equal(stages2.smoke, 'failed', JSON.stringify(stages2));
  assert.equal(stages2.rollback, 'passed', `the automatic rollback: ${explain(production2)}`);
  assert.deepEqual(await live('production'), digestsOf(lock1), 'production is back on release 1');
  assert.deepEqual(await live('staging'), digestsOf(lock2), 'staging keeps release 2 (its smoke tests pass there)');
  assert.equal(github.releases.length, releasesBefore, 'no release for the failed one');
  await twin.pull('main');
  assert.equal(lockOn('main', `locks/releases/${v1}.lock.yaml`)?.lock.integrity, lock1.integrity);
  assertNoViolations();

  // ---- 7. the rollback workflow, dispatched by hand, for staging and for production ----
  const refsBeforeRollbacks = new Map(github.git.refs);
  const stagingRollback = await trigger({ name: 'workflow_dispatch', branch: 'staging', sha: github.head('staging'), inputs: { environment: 'staging', to: v1, smoke: 'true' } });
  assert.equal(stagingRollback.workflow.file, 'rollback.yml');
  assert.equal(stagingRollback.run.dagger?.outcome.pipeline, 'rollback');
  assert.equal(stagingRollback.run.conclusion, 'success', explain(stagingRollback));
  assert.deepEqual(await live('staging'), digestsOf(lock1), 'staging back on the named release, read from the archive');
  const productionRollback = await trigger({ name: 'workflow_dispatch', branch: 'main', sha: github.head('main'), inputs: { environment: 'production', to: v1, smoke: 'true' } });
  assert.equal(productionRollback.run.conclusion, 'success', explain(productionRollback));
  assert.deepEqual(stagesOf(productionRollback.report), { rollback: 'passed', smoke: 'passed' });
  assert.deepEqual(await live('production'), digestsOf(lock1));
  assert.deepEqual(github.releases.map((release) => release.tag), [v1], 'a rollback publishes nothing');
  assert.deepEqual(new Map(github.git.refs), refsBeforeRollbacks, 'and commits or tags nothing');
  assertNoViolations();

  // ---- 8. a hotfix pull request opened by a person ----
  await twin.pull('main');
  await git(repo, ['branch', '--force', 'hotfix/catalog-prices', 'main']);
  await twin.workOn('hotfix/catalog-prices');
  // The fix: catalog's team reverts the change that dropped the prices, and releases it as a new version.
  await git(system.services.catalog!.repoDir, ['revert', '--no-edit', 'HEAD']);
  await changeService(system, 'catalog', { kind: 'bump' }, { branch: 'hotfix/catalog-prices' });
  await twin.push('hotfix/catalog-prices');
  const hotfixPr = await person('erin').post('/pulls', { head: 'hotfix/catalog-prices', base: 'main', title: 'Hotfix: catalog prices' });
  assert.equal(hotfixPr.status, 201, JSON.stringify(hotfixPr.body));
  const hotfixNumber = hotfixPr.body.number as number;
  const hotfixRun = await trigger({ name: 'workflow_dispatch', branch: 'main', sha: github.head('main'), inputs: { pull_request: String(hotfixNumber), head_sha: github.head('hotfix/catalog-prices'), services: 'catalog' } });
  assert.equal(hotfixRun.workflow.file, 'hotfix.yml');
  assert.equal(hotfixRun.run.dagger?.outcome.pipeline, 'hotfix');
  assert.equal(hotfixRun.run.conclusion, 'success', explain(hotfixRun));
  await twin.pull('hotfix/catalog-prices');
  const hotfixLock = lockOn('hotfix/catalog-prices')!.lock;
  assert.ok(hotfixLock.hotfix, 'the hotfix lock says it is one');
  assert.deepEqual(hotfixLock.hotfix.services, ['catalog']);
  assert.equal(hotfixLock.services.catalog!.digest, system.services.catalog!.digest, 'catalog re-resolved to the fixed image');
  // The person's pull request body carries no lock; lockstep's own comment on it does, and the gate reads it there.
  const hotfixComments = [...github.comments.values()].filter((comment) => comment.issue === hotfixNumber && comment.user.login === 'lockstep-app[bot]');
  assert.equal(hotfixComments.length, 1, 'one lock comment by lockstep on the hotfix pull request');
  assert.equal(readLockMarker(hotfixComments[0]!.body), hotfixLock.integrity, 'the hotfix pull request carries the lock lockstep made');
  for (const login of approvers) assert.equal((await person(login).post(`/pulls/${hotfixNumber}/reviews`, { event: 'APPROVE' })).status, 200);
  assert.equal((await person('erin').put(`/pulls/${hotfixNumber}/merge`, { merge_method: 'merge' })).status, 200);
  await twin.pull('main');
  const production3 = await trigger({ name: 'push', branch: 'main', sha: github.head('main') });
  assert.equal(production3.run.conclusion, 'success', explain(production3));
  assert.equal(stagesOf(production3.report)['approval gate'], 'passed');
  assert.deepEqual(await live('production'), digestsOf(hotfixLock), 'production runs the hotfix');
  assert.equal(github.releases.length, 2, 'the hotfix is the second release (the broken one never was)');
  const hotfixRelease = github.releases.at(-1)!;
  assert.equal(parseLockText(hotfixRelease.assets.find((asset) => /\.ya?ml$/.test(asset.name))!.data.toString('utf8'), 'asset').integrity, hotfixLock.integrity);
  await twin.pull('main');
  assert.equal(lockOn('main', `locks/releases/${hotfixRelease.tag}.lock.yaml`)?.lock.integrity, hotfixLock.integrity, 'the hotfix is archived on main');
  const releasesAfterHotfix = github.releases.length;
  assertNoViolations();

  // ---- 9. a merge to main that changes no service: no deploy, no release, said plainly ----
  await git(repo, ['branch', '--force', 'docs/readme', 'main']);
  await twin.workOn('docs/readme');
  await writeFile(join(repo, 'README.md'), '# The shop\n\nReleased with lockstep.\n');
  await commitAll(repo, 'Describe the shop');
  await twin.push('docs/readme');
  const docsPr = await person('erin').post('/pulls', { head: 'docs/readme', base: 'main', title: 'README' });
  assert.equal(docsPr.status, 201);
  for (const login of approvers) await person(login).post(`/pulls/${docsPr.body.number as number}/reviews`, { event: 'APPROVE' });
  assert.equal((await person('erin').put(`/pulls/${docsPr.body.number as number}/merge`, { merge_method: 'merge' })).status, 200);
  await twin.pull('main');
  const productionBefore = await live('production');
  const refsBeforeIdle = new Map(github.git.refs);
  const idle = await trigger({ name: 'push', branch: 'main', sha: github.head('main') });
  assert.equal(idle.run.conclusion, 'success', explain(idle));
  const idleStages = stagesOf(idle.report);
  assert.notEqual(idleStages.deploy, 'passed', `no deploy: ${JSON.stringify(idleStages)}`);
  assert.equal(github.releases.length, releasesAfterHotfix, 'no new release');
  assert.deepEqual(new Map(github.git.refs), refsBeforeIdle, 'no archive commit, no tag');
  assert.deepEqual(await live('production'), productionBefore);
  const summary = await readFile(join(idle.checkout, '.lockstep/run/summary.md'), 'utf8');
  assert.ok(summary.includes(`no service changed since release ${hotfixRelease.tag}; nothing deployed`), summary);
  assert.equal(idleStages['release resolve'], 'passed', JSON.stringify(idleStages));
  assertNoViolations();

  t.diagnostic(`story runtime ${Math.round((performance.now() - started) / 1000)} s; runs: ${JSON.stringify(runs)}`);

  /** dev -> staging -> the promotion pull request, as steps 1 to 3 do it; returns the lock. */
  async function throughStaging(title: string): Promise<ReleaseLock> {
    const opened = await person('dana').post('/pulls', { head: 'dev', base: 'staging', title });
    assert.equal(opened.status, 201, JSON.stringify(opened.body));
    const number = opened.body.number as number;
    const check = await trigger({ name: 'pull_request', action: 'opened', number, base: 'staging', head: 'dev', headSha: github.head('dev') });
    assert.equal(check.run.conclusion, 'success', explain(check));
    const lockText = await readFile(join(check.checkout, '.lockstep/run/lock.yaml'), 'utf8');
    const merged = await person('dana').put(`/pulls/${number}/merge`, { merge_method: 'merge' });
    assert.equal(merged.status, 200, `${JSON.stringify(merged.body)} ${github.lastMergeConflict.join(', ')}`);
    await twin.pull('staging');
    await twin.pull('dev');
    assert.equal(lockOn('staging')!.text, lockText);
    const promoted = await trigger({ name: 'push', branch: 'staging', sha: github.head('staging') });
    assert.equal(promoted.run.conclusion, 'success', explain(promoted));
    const lock = parseLockText(lockText, 'lock.yaml');
    assert.deepEqual(await live('staging'), digestsOf(lock));
    return lock;
  }
});

/** A lock from its text, schema and integrity checked. */
function parseLockText(text: string, label: string): ReleaseLock {
  const lock = releaseLock.parse(parse(text));
  checkIntegrity(label, lock);
  return lock;
}

/** The approval gate, as a person runs it from a checkout of the promoted branch, against the open promotion. */
async function gateCli(twin: RepoTwin, github: GitHubDouble, pull: number): Promise<{ code: number; stderr: string; result: ApprovalGateResult }> {
  const checkout = await twin.checkout('staging');
  const result = await runCli(['--json', 'gate', 'approvals', '--pr', String(pull), '--required', '4', '--lock', 'locks/current.lock.yaml'], {
    cwd: checkout,
    env: { GITHUB_TOKEN: github.token, GITHUB_API_URL: github.apiUrl, GITHUB_REPOSITORY: 'acme/orchestrator', GITHUB_SHA: '' },
  });
  return { code: result.code, stderr: result.stderr, result: JSON.parse(result.stdout) as ApprovalGateResult };
}

/** The REST API as a person (or another App) uses it, with their own token. */
function api(github: GitHubDouble, token: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${github.apiUrl}/repos/${github.owner}/${github.repo}${path}`, {
      method,
      headers: { authorization: `token ${token}`, accept: 'application/vnd.github+json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  return { post: (path: string, body: unknown) => call('POST', path, body), put: (path: string, body: unknown) => call('PUT', path, body), get: (path: string) => call('GET', path) };
}
