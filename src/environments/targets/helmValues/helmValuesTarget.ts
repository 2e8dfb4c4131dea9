import { setTimeout as sleep } from 'node:timers/promises';
import type { HealthConfig, HelmValuesTargetConfig } from '../../../config/environments.js';
import { InputError, LockstepError } from '../../../errors.js';
import { parseYamlText, validate } from '../../../io/readDocument.js';
import { lockId } from '../../../lock/integrity.js';
import { checkIntegrity } from '../../../lock/read.js';
import { releaseLock, type ReleaseLock } from '../../../lock/schema.js';
import { serializeLock } from '../../../lock/serialize.js';
import { isPinnedDigest, pinnedDigestOf } from '../../../policy/imageReference.js';
import type { GitHubPort } from '../../../github/port.js';
import type { PromotionLabels } from '../../../github/promotionBody.js';
import type { CheckResult, DeployTarget, DesiredState, LeaseResult, LiveService, LiveState, ProgressSink, ProposedChange } from '../../target.js';
import { createKubernetesTarget, type KubernetesTarget, type KubernetesTargetDeps } from '../kubernetes/kubernetesTarget.js';
import { ArgoCdApi } from './argocd/argoCdApi.js';
import { assessApplication, syncIsManual } from './argocd/assessApplication.js';
import { ConfigRepo } from './configRepo.js';
import { openProposal } from './openProposal.js';
import { GitRefLease } from './gitLease.js';
import { commitMessage, lockTrailer, movedServices, proposalBody, proposalBranch, proposalTitle, type HelmValuesProposal } from './proposal.js';
import { readHelmValues, updateHelmValues, valuesMapping, type ValuesMapping } from './updateHelmValues.js';

export interface HelmValuesEnvironment {
  /** The environment name: fills {env} in file names, names the branch and the lease. */
  name: string;
  target: Omit<HelmValuesTargetConfig, 'type'>;
  health?: Pick<HealthConfig, 'nodes' | 'quota' | 'timeoutMs'>;
  /** Every service of the system (lockstep.config.yaml `services`). */
  services: string[];
  configFile?: string;
  /** Where a relative repository path or kubeconfig is resolved from (the config file's directory). */
  baseDir?: string;
}

export interface HelmValuesTargetDeps {
  /** The bare clone of the config repository; by default a private folder made for this run. */
  workDir?: string;
  env?: NodeJS.ProcessEnv;
  /** Passed to the kubernetes target that reads the cluster, when one is configured. */
  kubernetes?: KubernetesTargetDeps;
  /** How often the cluster is polled while waiting for the GitOps controller. */
  pollIntervalMs?: number;
  /** pull-request mode: the GitHub port of the config repository, made when first needed. */
  github?: () => GitHubPort;
  /** The labels of bot pull requests (github.labels). */
  labels?: PromotionLabels;
}

/**
 * A GitOps environment: the lock's digests are written into `values-<env>.yaml` of a config repository
 * and the lock itself next to it, then either proposed on a branch for a pull request (the default) or
 * committed onto the branch the GitOps controller watches. What runs is read back from the repository,
 * and from the cluster when one is configured.
 */
export class HelmValuesTarget implements DeployTarget {
  readonly kind = 'helm-values' as const;
  /** The proposal of the last apply, for the GitHub stage that opens the pull request. */
  proposal: HelmValuesProposal | null = null;
  readonly cluster: KubernetesTarget | null;
  private repoPromise: Promise<ConfigRepo> | null = null;
  private readonly valuesFile: string;
  private readonly lockFile: string;
  /** The base commit and the commit that replaced it, when apply committed onto the base branch. */
  private directCommit: { before: string; after: string } | null = null;
  private argoApi: ArgoCdApi | null = null;

  constructor(
    private readonly environment: HelmValuesEnvironment,
    private readonly deps: HelmValuesTargetDeps = {},
  ) {
    const field = `environments.${environment.name}.target`;
    const configFile = environment.configFile ?? 'lockstep.config.yaml';
    this.valuesFile = repoPath(environment.target.valuesFile.replaceAll('{env}', environment.name), configFile, `${field}.valuesFile`);
    this.lockFile = repoPath(environment.target.lockFile.replaceAll('{env}', environment.name), configFile, `${field}.lockFile`);
    const cluster = environment.target.cluster;
    this.cluster = cluster
      ? createKubernetesTarget(
          { name: environment.name, target: cluster, health: environment.health, services: environment.services, configFile, baseDir: environment.baseDir },
          deps.kubernetes,
        )
      : null;
  }

  /** Pull-request mode: apply only proposes; the environment changes when the pull request is merged. */
  get awaitsMerge(): boolean {
    return this.environment.target.mode === 'pull-request';
  }

  describe(): string {
    const where = `${this.valuesFile} on ${this.environment.target.branch} of ${this.environment.target.repository}`;
    return this.cluster ? `${where}, running in ${this.cluster.describe()}` : where;
  }

  async healthChecks(): Promise<CheckResult[]> {
    const started = performance.now();
    const checks: CheckResult[] = [];
    try {
      const { base, values } = await this.readBase();
      const live = readHelmValues(values, this.mapping([]), this.valuesFile);
      const pinned = Object.values(live).filter((image) => isPinnedDigest(image.digest)).length;
      checks.push({
        name: 'config repository',
        ok: true,
        detail: `${this.environment.target.branch} at ${base.slice(0, 7)}; ${this.valuesFile} pins ${pinned} of ${Object.keys(live).length} services by digest`,
        durationMs: performance.now() - started,
      });
    } catch (error) {
      checks.push({ name: 'config repository', ok: false, detail: (error as Error).message, durationMs: performance.now() - started });
    }
    if (this.cluster) checks.push(...(await this.cluster.healthChecks()));
    return checks;
  }

  async readLive(): Promise<LiveState> {
    const { base, values } = await this.readBase();
    const lock = await this.readRecordedLock(base);
    const images = readHelmValues(values, this.mapping(Object.keys(lock?.services ?? {})), this.valuesFile);
    const cluster = this.cluster ? await this.cluster.readLive() : null;
    const services = Object.fromEntries(
      Object.entries(images).map(([service, image]): [string, LiveService] => {
        const digest = isPinnedDigest(image.digest) ? image.digest : null;
        const reference = image.repository ? `${image.repository}${digest ? `@${digest}` : image.tag ? `:${image.tag}` : ''}` : digest;
        const running = cluster?.services[service];
        if (!running) return [service, { image: reference, digest, state: reference ? 'committed' : 'missing', ...(cluster ? { healthy: false } : {}) }];
        const synced = running.digest !== null && running.digest === digest;
        return [service, { image: reference, digest, healthy: synced && running.healthy === true, state: synced ? (running.state ?? 'running') : 'out of sync' }];
      }),
    );
    const controller = await this.argoView(base);
    return { lockIntegrity: lock?.integrity ?? null, lock, services, ...(controller ? { controller } : {}) };
  }

  /**
   * Commits the lock's digests and the lock on top of the base branch: on `lockstep/<env>/<lock id>` in
   * pull-request mode, onto the base branch itself in direct mode. Idempotent: when the base already
   * holds this lock, or the proposal branch already holds this exact tree, nothing new is committed.
   */
  async propose(desired: DesiredState, progress: ProgressSink): Promise<HelmValuesProposal> {
    const { target } = this.environment;
    const repo = await this.repo();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const { base, values } = await this.readBase();
      const previous = await this.readRecordedLock(base).catch(() => null);
      const lock = desired.lock;
      const updated = updateHelmValues(values, lock, this.mapping(Object.keys(lock.services)), this.valuesFile);
      const built =
        (await this.revertToPrevious(base, previous, lock, progress)) ??
        (await repo.commitFiles(base, { [this.valuesFile]: updated, [this.lockFile]: serializeLock(lock) }, commitMessage(this.environment.name, lock, previous)));
      const proposal = (branch: string, commit: string, changed: boolean): HelmValuesProposal => ({
        environment: this.environment.name,
        repository: target.repository,
        baseBranch: target.branch,
        branch,
        baseCommit: base,
        commit,
        changed,
        valuesFile: this.valuesFile,
        lockFile: this.lockFile,
        services: movedServices(previous, lock),
        title: proposalTitle(this.environment.name, lock),
        body: proposalBody(this.environment.name, lock, previous, { valuesFile: this.valuesFile, lockFile: this.lockFile }),
      });
      if (!built.changed) {
        progress(`${target.branch} of ${target.repository} already records lock ${lockId(lock)}; nothing to commit`);
        return (this.proposal = proposal(target.branch, base, false));
      }
      if (target.mode === 'direct') {
        if (await repo.pushExpecting(built.commit, `refs/heads/${target.branch}`, base)) {
          this.directCommit = { before: base, after: built.commit };
          progress(`committed ${built.commit.slice(0, 7)} onto ${target.branch} of ${target.repository}`);
          return (this.proposal = proposal(target.branch, built.commit, true));
        }
        progress(`${target.branch} moved while committing; trying again on its new head`);
        continue;
      }
      const branch = proposalBranch(this.environment.name, lock);
      const ref = `refs/heads/${branch}`;
      const existing = await repo.fetchRef(ref);
      if (existing && (await repo.treeOf(existing)) === built.tree) {
        progress(`branch ${branch} already holds this change (${existing.slice(0, 7)}); nothing new to push`);
        return (this.proposal = proposal(branch, existing, true));
      }
      if (await repo.pushExpecting(built.commit, ref, existing)) {
        progress(`pushed ${built.commit.slice(0, 7)} to ${branch} of ${target.repository}: open a pull request into ${target.branch}`);
        return (this.proposal = proposal(branch, built.commit, true));
      }
      progress(`branch ${branch} moved while pushing; trying again`);
    }
    throw new LockstepError('CONFLICT', `${target.repository} kept moving while lock ${lockId(desired.lock)} was being committed`);
  }

  /**
   * Pull-request mode ends with the pull request open ("proposed"); once it is merged the base branch
   * records the lock, and the same deploy goes on to wait for the cluster like direct mode does.
   */
  async apply(desired: DesiredState, progress: ProgressSink): Promise<void | ProposedChange> {
    const proposal = await this.propose(desired, progress);
    if (this.awaitsMerge && proposal.branch !== proposal.baseBranch) {
      if (!this.deps.github) {
        throw new LockstepError('GITHUB', `pull-request mode needs GitHub to open the pull request of ${proposal.branch}`, {
          hint: `set environments.${this.environment.name}.target.githubRepository (owner/name), or use mode: direct`,
        });
      }
      const opened = await openProposal(this.deps.github(), proposal, desired.lock, this.deps.labels ?? { release: 'automation:release-bump', hotfix: 'automation:hotfix' });
      progress(`${opened.action} pull request #${opened.number} ${opened.url} (${opened.label}): ${this.environment.name} changes when it is merged`);
      return { outcome: 'proposed', where: `pull request #${opened.number} (${opened.url})`, pullRequest: { number: opened.number, url: opened.url } };
    }
    await this.waitForArgoCd(proposal.commit, progress);
    await this.waitForCluster(desired.images, progress);
  }

  /**
   * A deploy of the lock that ran before the recorded one (a rollback) is the `git revert` of the bump
   * commit that recorded it, never a new bump: the history says what was undone, and changes others
   * made since stay. Null when that is not the case, or when the revert conflicts (then a new bump).
   */
  private async revertToPrevious(base: string, recorded: ReleaseLock | null, lock: ReleaseLock, progress: ProgressSink): Promise<{ commit: string; tree: string; changed: boolean } | null> {
    if (!recorded || recorded.integrity === lock.integrity) return null;
    const repo = await this.repo();
    const bump = await repo.lastCommitWith(base, this.lockFile, `${lockTrailer}${recorded.integrity}`);
    if (!bump) return null;
    const before = await this.readRecordedLock(`${bump}^`).catch(() => null);
    if (before?.integrity !== lock.integrity) return null;
    const reverted = await repo.revert(base, bump, await this.revertMessage(bump, `roll back ${this.environment.name} to lock ${lockId(lock)}`, lock));
    if ('conflicts' in reverted) {
      progress(`reverting ${bump.slice(0, 7)} conflicts with later commits (${reverted.conflicts.join(', ')}); writing lock ${lockId(lock)} as a new commit instead`);
      return null;
    }
    progress(`lock ${lockId(lock)} is what ran before ${bump.slice(0, 7)}: reverting that commit`);
    return { ...reverted, tree: await repo.treeOf(reverted.commit) };
  }

  private async revertMessage(commit: string, why: string, lock: ReleaseLock | null): Promise<string> {
    const subject = (await (await this.repo()).message(commit)).split('\n')[0] ?? '';
    return `Revert "${subject}"\n\nThis reverts commit ${commit}: ${why}.\n${lock ? `\n${lockTrailer}${lock.integrity}\n` : ''}`;
  }

  /**
   * Direct mode: `git revert` of this run's bump commit onto the branch as it is now, so whatever
   * others committed since stays; a revert that conflicts is refused rather than forced. Then waits
   * for the cluster. In pull-request mode nothing reached the base branch, so there is nothing to undo.
   */
  async restore(previous: LiveState, services: string[], progress: ProgressSink): Promise<void> {
    const done = this.directCommit;
    if (!done) {
      progress(`nothing was committed onto ${this.environment.target.branch}; nothing to restore`);
      return;
    }
    const reverted = await this.revertCommit(done.after, 'its rollout failed', previous.lock, progress);
    this.directCommit = null;
    await this.waitForArgoCd(reverted, progress);
    const images = Object.fromEntries(services.filter((service) => previous.services[service]?.image).map((service) => [service, previous.services[service]!.image!]));
    await this.waitForCluster(images, progress);
  }

  /** Reverts `commit` on the base branch (compare-and-swap push, retried when the branch moved). */
  async revertCommit(commit: string, why: string, restoredLock: ReleaseLock | null, progress: ProgressSink): Promise<string> {
    const { branch, repository } = this.environment.target;
    const repo = await this.repo();
    const message = await this.revertMessage(commit, why, restoredLock);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const head = await repo.fetchBranch(branch);
      if (!head) throw new LockstepError('GIT', `branch ${branch} disappeared from ${repository}`);
      const reverted = await repo.revert(head, commit, message);
      if ('conflicts' in reverted) {
        throw new LockstepError('CONFLICT', `reverting ${commit.slice(0, 7)} on ${branch} of ${repository} conflicts with later commits; nothing was pushed`, {
          details: reverted.conflicts.map((path) => `conflict in ${path}`),
          hint: `revert ${commit.slice(0, 7)} by hand (git revert ${commit.slice(0, 7)}) and resolve the conflict`,
        });
      }
      if (!reverted.changed) {
        progress(`${branch} no longer holds the change of ${commit.slice(0, 7)}; nothing to revert`);
        return head;
      }
      if (await repo.pushExpecting(reverted.commit, `refs/heads/${branch}`, head)) {
        progress(`reverted ${commit.slice(0, 7)} with ${reverted.commit.slice(0, 7)} on ${branch}`);
        return reverted.commit;
      }
      progress(`${branch} moved while reverting; trying again on its new head`);
    }
    throw new LockstepError('CONFLICT', `${branch} kept moving while the revert was being committed`);
  }

  async acquireLease(holder: string, ttlMs: number, now: Date = new Date()): Promise<LeaseResult> {
    if (this.cluster) return this.cluster.acquireLease(holder, ttlMs, now);
    return new GitRefLease(await this.repo(), this.environment.name).acquire(holder, ttlMs, now);
  }

  async releaseLease(holder: string): Promise<void> {
    if (this.cluster) return this.cluster.releaseLease(holder);
    return new GitRefLease(await this.repo(), this.environment.name).release(holder);
  }

  private mapping(extra: string[]): ValuesMapping {
    const services = [...new Set([...this.environment.services, ...Object.keys(this.environment.target.keys), ...extra])].sort();
    return valuesMapping(services, this.environment.target.keys);
  }

  private repo(): Promise<ConfigRepo> {
    const baseDir = this.environment.baseDir ?? process.cwd();
    this.repoPromise ??= ConfigRepo.open({
      repository: this.environment.target.repository,
      baseDir,
      workDir: this.deps.workDir,
      tokenEnv: this.environment.target.tokenEnv,
      env: this.deps.env,
    });
    return this.repoPromise;
  }

  private async readBase(): Promise<{ base: string; values: string }> {
    const { branch, repository } = this.environment.target;
    const repo = await this.repo();
    const base = await repo.fetchBranch(branch);
    if (!base) throw new LockstepError('GIT', `${repository} has no branch ${branch}`, { hint: `set environments.${this.environment.name}.target.branch` });
    const file = await repo.readFile(base, this.valuesFile);
    if (!file) throw new InputError(`${repository}:${this.valuesFile}`, undefined, `not found on ${branch}; create the values file once, lockstep keeps its image keys up to date`);
    return { base, values: file.content };
  }

  private async readRecordedLock(commit: string): Promise<ReleaseLock | null> {
    const file = await (await this.repo()).readFile(commit, this.lockFile);
    if (!file) return null;
    const where = `${this.environment.target.repository}:${this.lockFile}`;
    const lock = validate(where, releaseLock, parseYamlText(where, file.content));
    checkIntegrity(where, lock);
    return lock;
  }

  private argoCd(): ArgoCdApi | null {
    const settings = this.environment.target.argocd;
    if (!settings) return null;
    if (!this.argoApi) {
      const token = (this.deps.env ?? process.env)[settings.tokenEnv];
      if (!token) throw new InputError(`$${settings.tokenEnv}`, undefined, `is not set; it must hold the Argo CD API token for environments.${this.environment.name}.target.argocd`);
      this.argoApi = new ArgoCdApi({ server: settings.server, application: settings.application, appNamespace: settings.appNamespace, token, requestTimeoutMs: settings.requestTimeoutMs });
    }
    return this.argoApi;
  }

  /** What Argo CD reports now, for status: in sync when it runs the base branch's head, healthy. */
  private async argoView(base: string): Promise<LiveState['controller']> {
    let api: ArgoCdApi | null;
    try {
      api = this.argoCd();
      if (!api) return undefined;
      const app = await api.getApplication();
      const repo = await this.repo();
      const seen = app.status?.sync?.revision ?? '';
      const reached = /^[0-9a-f]{40}$/.test(seen) && (await repo.contains(seen, base).catch(() => false));
      const assessment = assessApplication(app, () => reached);
      return { name: `Argo CD application ${api.application}`, detail: assessment.state === 'healthy' ? assessment.detail : `${assessment.detail} (${this.environment.target.branch} is at ${base.slice(0, 7)})`, ok: assessment.state === 'healthy' };
    } catch (error) {
      return { name: `Argo CD application ${this.environment.target.argocd!.application}`, detail: (error as Error).message, ok: false };
    }
  }

  /**
   * Waits until Argo CD reports `revision` (or a later commit of the branch) Synced and Healthy, starting
   * the sync itself when the application has no automated sync. Ends at once when the sync fails or the
   * application turns Degraded, with the application's conditions in the error. Returns the wait in ms.
   */
  async waitForArgoCd(revision: string, progress: ProgressSink): Promise<number | null> {
    const api = this.argoCd();
    if (!api) return null;
    const { timeoutMs } = this.environment.target.argocd!;
    const started = performance.now();
    const deadline = Date.now() + timeoutMs;
    const repo = await this.repo();
    const known = new Map<string, boolean>([[revision, true]]);
    let triggered = false;
    let said = '';
    // A refresh first: without it Argo CD notices the commit only at its next poll of git (3 minutes).
    let app = await api.getApplication(true);
    for (;;) {
      const status = app.status;
      const seen = [status?.sync?.revision, status?.operationState?.syncResult?.revision, status?.operationState?.operation?.sync?.revision].filter((value): value is string => Boolean(value));
      for (const candidate of seen.filter((value) => !known.has(value))) {
        // Argo CD may already run a later commit of the branch, which contains this one.
        await repo.fetchBranch(this.environment.target.branch);
        known.set(candidate, /^[0-9a-f]{40}$/.test(candidate) && (await repo.contains(candidate, revision).catch(() => false)));
      }
      const assessment = assessApplication(app, (value) => known.get(value) === true);
      if (assessment.state === 'healthy') {
        const waited = performance.now() - started;
        progress(`Argo CD: ${api.application} ${assessment.detail}, ${(waited / 1000).toFixed(1)} s after ${revision.slice(0, 7)} was committed`);
        return waited;
      }
      const hint = `argocd app get ${api.application} shows the sync result and the health of each resource`;
      if (assessment.state === 'failed') {
        throw new LockstepError('DEPLOY_FAILED', `Argo CD application ${api.application} failed at ${revision.slice(0, 7)}: ${assessment.detail}`, { details: assessment.reasons, hint });
      }
      const reached = known.get(status?.sync?.revision ?? '') === true && status?.sync?.status === 'Synced';
      if (!triggered && !reached && syncIsManual(app) && status?.operationState?.phase !== 'Running') {
        await api.sync(revision);
        triggered = true;
        progress(`Argo CD: ${api.application} has no automated sync; started a sync to ${revision.slice(0, 7)}`);
      }
      const line = `Argo CD: waiting for ${api.application}: ${assessment.detail}`;
      if (line !== said) progress(line);
      said = line;
      if (Date.now() >= deadline) {
        throw new LockstepError('DEPLOY_FAILED', `Argo CD application ${api.application} did not report ${revision.slice(0, 7)} Synced and Healthy within ${timeoutMs} ms (${assessment.detail})`, {
          details: assessment.reasons,
          hint,
        });
      }
      await sleep(Math.min(this.deps.pollIntervalMs ?? 2_000, Math.max(0, deadline - Date.now())));
      app = await api.getApplication();
    }
  }

  /** Waits until the cluster runs exactly `images` (by digest), healthy: the GitOps controller synced. */
  private async waitForCluster(images: Record<string, string>, progress: ProgressSink): Promise<void> {
    if (!this.cluster || Object.keys(images).length === 0) return;
    const deadline = Date.now() + this.environment.target.syncTimeoutMs;
    let said = '';
    for (;;) {
      const live = await this.cluster.readLive();
      const waiting = Object.entries(images)
        // By digest: the chart may render repo:tag@digest, a registry prefix, or the digest alone.
        .filter(([service, image]) => !sameDigest(live.services[service]?.image, image) || live.services[service]?.healthy !== true)
        .map(([service]) => service)
        .sort();
      if (waiting.length === 0) {
        progress(`the cluster runs the commit: ${Object.keys(images).length} services healthy`);
        return;
      }
      const line = `waiting for the GitOps controller: ${waiting.join(', ')}`;
      if (line !== said) progress(line);
      said = line;
      if (Date.now() >= deadline) {
        throw new LockstepError('DEPLOY_FAILED', `the cluster did not run the commit within ${this.environment.target.syncTimeoutMs} ms`, {
          details: waiting.map((service) => `${service}: runs ${live.services[service]?.image ?? 'nothing'}, expected ${images[service]}`),
          hint: 'check the GitOps controller (Argo CD / Flux) for sync errors',
        });
      }
      await sleep(Math.min(this.deps.pollIntervalMs ?? 2_000, Math.max(0, deadline - Date.now())));
    }
  }
}

export function createHelmValuesTarget(environment: HelmValuesEnvironment, deps: HelmValuesTargetDeps = {}): HelmValuesTarget {
  return new HelmValuesTarget(environment, deps);
}

/** Whether two references name the same pinned digest; an unpinned one matches only itself. */
function sameDigest(running: string | null | undefined, wanted: string): boolean {
  if (!running) return false;
  const digest = pinnedDigestOf(wanted);
  return digest ? pinnedDigestOf(running) === digest : running === wanted;
}

function repoPath(path: string, configFile: string, field: string): string {
  if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '') || path.startsWith('-')) {
    throw new InputError(configFile, field, `"${path}" must be a relative path inside the config repository`);
  }
  return path;
}
