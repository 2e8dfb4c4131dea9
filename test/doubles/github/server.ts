import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitStore } from './gitStore.js';
import { OpenApiContract, type Operation } from './openapi.js';

/**
 * A stateful double of the GitHub REST API (the parts lockstep uses), on 127.0.0.1. Every request is
 * matched to its operation in GitHub's OpenAPI description and validated (path, query, JSON body);
 * every response is validated against the documented schema of its status. A request the real API
 * would refuse is answered 422 and recorded in `violations`, which tests assert empty.
 */

export type Scope = 'contents' | 'pull_requests' | 'issues' | 'administration';
export type Level = 'none' | 'read' | 'write';

export interface GitHubDoubleOptions {
  owner?: string;
  repo?: string;
  token?: string;
  /**
   * The login behind the token (what GITHUB_TOKEN acts as). A `[bot]` login is a GitHub App
   * installation token: GET /user refuses it, as on github.com; any other is a user's token.
   */
  actor?: string;
  permissions?: Partial<Record<Scope, Level>>;
}

export interface Fault {
  kind: 'status' | 'secondary-rate-limit' | 'rate-limit-429';
  status?: number;
  retryAfterSeconds?: number;
  /** Only requests for which this holds are answered with the fault. */
  match?: (method: string, operationId: string) => boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  operationId: string | null;
  status: number;
}

interface User {
  login: string;
  id: number;
  type: 'User' | 'Bot';
}

export interface PullState {
  number: number;
  id: number;
  title: string;
  body: string;
  state: 'open' | 'closed';
  headRef: string;
  baseRef: string;
  user: User;
  labels: string[];
  createdAt: string;
  updatedAt: string;
  mergedAt: string | null;
  mergeCommitSha?: string;
  /** Frozen when merged or closed. */
  headSha?: string;
}

export interface CommentState {
  id: number;
  issue: number;
  body: string;
  user: User;
  createdAt: string;
  updatedAt: string;
}

export interface ReviewState {
  id: number;
  pull: number;
  user: User | null;
  state: 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';
  commitId: string;
  submittedAt: string;
}

interface LabelState {
  id: number;
  name: string;
  color: string;
  description: string | null;
}

export interface AssetState {
  id: number;
  name: string;
  contentType: string;
  data: Buffer;
  createdAt: string;
  uploader: User;
}

export interface ReleaseState {
  id: number;
  tag: string;
  target: string;
  name: string | null;
  body: string | null;
  draft: boolean;
  prerelease: boolean;
  createdAt: string;
  author: User;
  assets: AssetState[];
}

interface Request {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  json: Record<string, unknown>;
  raw: Buffer;
  headers: IncomingMessage['headers'];
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface EnvironmentSettings {
  /** null: all branches; `protected`: protected branches; else custom branch name patterns. */
  branches: null | 'protected' | string[];
  reviewers: string[];
  preventSelfReview: boolean;
}

export interface BranchProtectionSettings {
  /** null: pull requests are not required. */
  approvals: number | null;
  dismissStaleReviews: boolean;
  lastPushApproval: boolean;
  enforceAdmins: boolean;
  allowForcePushes: boolean;
  allowDeletions: boolean;
  requiredChecks: string[];
}

export interface RepositorySettings {
  variables: Set<string>;
  secrets: Set<string>;
  environments: Map<string, EnvironmentSettings>;
  protection: Map<string, BranchProtectionSettings>;
  /** The owner's App installations; null when the token may not list them (403). */
  installations: Array<{ slug: string; permissions: Record<string, string>; repositorySelection: 'all' | 'selected' }> | null;
}

type Handler = { needs: [Scope, 'read' | 'write']; handle: (request: Request) => Reply };

const levels: Record<Level, number> = { none: 0, read: 1, write: 2 };

export class GitHubDouble {
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  readonly violations: string[] = [];
  readonly requests: RecordedRequest[] = [];
  readonly git: GitStore;
  readonly pulls = new Map<number, PullState>();
  readonly comments = new Map<number, CommentState>();
  readonly reviews: ReviewState[] = [];
  readonly labels = new Map<string, LabelState>();
  readonly releases: ReleaseState[] = [];
  /** Repository settings `lockstep init --check` reads (names of variables and secrets, never values). */
  readonly settings: RepositorySettings = { variables: new Set(), secrets: new Set(), environments: new Map(), protection: new Map(), installations: [] };
  permissions: Record<Scope, Level>;
  private readonly faults: Fault[] = [];
  private readonly hooks: Array<{ operationId: string; run: () => void }> = [];
  private readonly contract = OpenApiContract.load();
  private readonly actor: User;
  private readonly server = createServer((req, res) => void this.serve(req, res));
  private origin = '';
  private ids = 1000;
  private numbers = 0;
  private readonly collaborators = new Map<string, 'admin' | 'write' | 'read' | 'none'>();
  private ticks = 0;

  constructor(options: GitHubDoubleOptions = {}) {
    this.owner = options.owner ?? 'acme';
    this.repo = options.repo ?? 'orchestrator';
    this.token = options.token ?? 'ghs_double_token_0123456789';
    const actor = options.actor ?? 'github-actions[bot]';
    this.actor = actor.endsWith('[bot]') ? { login: actor, id: 41898282, type: 'Bot' } : this.user(actor);
    this.permissions = { contents: 'write', pull_requests: 'write', issues: 'write', administration: 'read', ...options.permissions };
    this.git = new GitStore(() => this.now());
  }

  /** The REST root, GitHub Enterprise style (`/api/v3`), so clients must honour a path prefix. */
  get apiUrl(): string {
    return `${this.origin}/api/v3`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A monotonic clock: one second per event, so review order is unambiguous. */
  now(): string {
    this.ticks += 1;
    return new Date(Date.UTC(2026, 10, 1, 8, 0, 0) + this.ticks * 1000).toISOString().replace('.000Z', 'Z');
  }

  nextId(): number {
    this.ids += 1;
    return this.ids;
  }

  /** Sets a user's repository permission as GitHub reports it; anyone not set is a collaborator with write. */
  grant(login: string, permission: 'admin' | 'write' | 'read' | 'none'): void {
    this.collaborators.set(login.toLowerCase(), permission);
  }

  user(login: string): User {
    let hash = 0;
    for (const ch of login) hash = (hash * 31 + ch.charCodeAt(0)) % 1_000_000;
    return { login, id: 100_000 + hash, type: login.endsWith('[bot]') ? 'Bot' : 'User' };
  }

  // ---- seeding and inspection, for tests ----

  commit(branch: string, files: Record<string, string | Buffer | null>, options: { message?: string; from?: string } = {}): string {
    return this.git.commitFiles(branch, files, options.message ?? `change ${Object.keys(files).join(', ')}`, options.from);
  }

  head(branch: string): string {
    const sha = this.git.refs.get(`heads/${branch}`);
    if (!sha) throw new Error(`no branch ${branch}`);
    return sha;
  }

  fileAt(ref: string, path: string): Buffer | undefined {
    const commit = this.git.resolve(ref);
    return commit ? this.git.fileAt(commit, path)?.content : undefined;
  }

  openPullRequest(input: { head: string; base: string; author: string; title?: string; body?: string }): number {
    this.numbers += 1;
    const at = this.now();
    this.pulls.set(this.numbers, {
      number: this.numbers,
      id: this.nextId(),
      title: input.title ?? `${input.head} → ${input.base}`,
      body: input.body ?? '',
      state: 'open',
      headRef: input.head,
      baseRef: input.base,
      user: this.user(input.author),
      labels: [],
      createdAt: at,
      updatedAt: at,
      mergedAt: null,
    });
    return this.numbers;
  }

  /** Merges like the merge button: a merge commit on base with the head's tree. */
  merge(number: number): string {
    const pull = this.pulls.get(number)!;
    const head = this.head(pull.headRef);
    const base = this.head(pull.baseRef);
    const commit = this.git.putCommit(this.git.commits.get(head)!.treeSha, [base, head], `Merge pull request #${number}`);
    this.git.refs.set(`heads/${pull.baseRef}`, commit.sha);
    pull.state = 'closed';
    pull.headSha = head;
    pull.mergedAt = this.now();
    pull.mergeCommitSha = commit.sha;
    return commit.sha;
  }

  review(pull: number, login: string | null, state: ReviewState['state'], commitId?: string): number {
    const id = this.nextId();
    this.reviews.push({
      id,
      pull,
      user: login === null ? null : this.user(login),
      state,
      commitId: commitId ?? this.pullHead(this.pulls.get(pull)!),
      submittedAt: this.now(),
    });
    return id;
  }

  /** Dismissing turns the review itself into DISMISSED, as GitHub does. */
  dismiss(reviewId: number): void {
    const review = this.reviews.find((item) => item.id === reviewId);
    if (!review) throw new Error(`no review ${reviewId}`);
    review.state = 'DISMISSED';
  }

  addComment(issue: number, login: string, body: string): number {
    const at = this.now();
    const id = this.nextId();
    this.comments.set(id, { id, issue, body, user: this.user(login), createdAt: at, updatedAt: at });
    return id;
  }

  seedRelease(input: { tag: string; commit: string; body?: string; assets?: Record<string, Buffer>; draft?: boolean }): ReleaseState {
    if (!this.git.refs.has(`tags/${input.tag}`)) this.git.refs.set(`tags/${input.tag}`, input.commit);
    const release: ReleaseState = {
      id: this.nextId(),
      tag: input.tag,
      target: input.commit,
      name: input.tag,
      body: input.body ?? '',
      draft: input.draft ?? false,
      prerelease: false,
      createdAt: this.now(),
      author: this.actor,
      assets: Object.entries(input.assets ?? {}).map(([name, data]) => ({
        id: this.nextId(),
        name,
        contentType: 'application/yaml',
        data,
        createdAt: this.now(),
        uploader: this.actor,
      })),
    };
    this.releases.push(release);
    return release;
  }

  /** Queues faults: each answers one matching request instead of the handler. */
  inject(fault: Fault, times = 1): void {
    for (let index = 0; index < times; index += 1) this.faults.push(fault);
  }

  /** Runs `run` once, right before the next `operationId` request is handled: someone else's push, say. */
  beforeNext(operationId: string, run: () => void): void {
    this.hooks.push({ operationId, run });
  }

  pendingFaults(): number {
    return this.faults.length;
  }

  writes(): RecordedRequest[] {
    return this.requests.filter((request) => request.method !== 'GET' && request.method !== 'HEAD');
  }

  private pullHead(pull: PullState): string {
    return pull.headSha ?? this.head(pull.headRef);
  }

  // ---- HTTP ----

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.origin);
    const method = (req.method ?? 'GET').toUpperCase();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const record = (status: number, operationId: string | null) => this.requests.push({ method, path: url.pathname + url.search, operationId, status });

    const storage = /^\/_storage\/assets\/(\d+)$/.exec(url.pathname);
    if (storage && method === 'GET') {
      const asset = this.releases.flatMap((release) => release.assets).find((item) => item.id === Number(storage[1]));
      record(asset ? 200 : 404, null);
      res.writeHead(asset ? 200 : 404, { 'content-type': asset?.contentType ?? 'text/plain' });
      res.end(asset ? asset.data : 'not found');
      return;
    }

    const prefix = ['/api/v3', '/api/uploads'].find((candidate) => url.pathname.startsWith(`${candidate}/`));
    const match = prefix ? this.contract.match(method, url.pathname.slice(prefix.length)) : null;
    if (!match || !prefix) {
      this.violations.push(`${method} ${url.pathname}: no such operation in GitHub's OpenAPI description`);
      record(404, null);
      return this.send(res, null, { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } });
    }
    const { operation } = match;
    const isUpload = operation.id === 'repos/upload-release-asset';
    if ((prefix === '/api/uploads') !== isUpload) {
      this.violations.push(`${method} ${url.pathname}: ${operation.id} is served on the ${isUpload ? 'uploads' : 'API'} origin only`);
      record(404, operation.id);
      return this.send(res, operation, { status: 404, body: { message: 'Not Found' } });
    }

    const authorization = req.headers.authorization ?? '';
    if (authorization !== `token ${this.token}` && authorization !== `Bearer ${this.token}` && authorization !== `bearer ${this.token}`) {
      record(401, operation.id);
      return this.send(res, operation, { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } });
    }

    const contentType = String(req.headers['content-type'] ?? '');
    let json: unknown;
    if (raw.length > 0 && contentType.startsWith('application/json')) {
      try {
        json = JSON.parse(raw.toString('utf8'));
      } catch {
        json = undefined;
      }
    }
    const problems = this.contract.validateRequest(match, url.searchParams, { json, raw, contentType });
    if ((match.params.owner ?? this.owner) !== this.owner || (match.params.repo ?? this.repo) !== this.repo || (match.params.org ?? this.owner) !== this.owner) {
      problems.push(`repository ${match.params.owner ?? match.params.org}/${match.params.repo} is not ${this.owner}/${this.repo}`);
    }
    if (problems.length > 0) {
      this.violations.push(...problems.map((problem) => `${method} ${url.pathname} (${operation.id}): ${problem}`));
      record(422, operation.id);
      // The refusal itself is the double's, not GitHub's documented answer: it is not validated.
      return this.send(res, null, { status: 422, body: { message: 'Validation Failed', errors: problems.map((message) => ({ code: 'invalid', message })) } });
    }

    const faultIndex = this.faults.findIndex((fault) => !fault.match || fault.match(method, operation.id));
    if (faultIndex >= 0) {
      const [fault] = this.faults.splice(faultIndex, 1);
      const reply = faultReply(fault!);
      record(reply.status, operation.id);
      return this.send(res, null, reply);
    }

    const hook = this.hooks.findIndex((item) => item.operationId === operation.id);
    if (hook >= 0) this.hooks.splice(hook, 1)[0]!.run();

    const handler = this.handlers()[operation.id];
    if (!handler) {
      this.violations.push(`${method} ${url.pathname}: the double does not implement ${operation.id}`);
      record(500, operation.id);
      return this.send(res, null, { status: 500, body: { message: `the GitHub double does not implement ${operation.id}` } });
    }
    const [scope, level] = handler.needs;
    if (levels[this.permissions[scope]] < levels[level]) {
      record(403, operation.id);
      return this.send(res, operation, {
        status: 403,
        headers: { 'x-accepted-github-permissions': `${scope}=${level}` },
        body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' },
      });
    }
    let reply: Reply;
    try {
      reply = handler.handle({ method, params: match.params, query: url.searchParams, json: (json ?? {}) as Record<string, unknown>, raw, headers: req.headers });
    } catch (error) {
      this.violations.push(`${operation.id}: double failed: ${(error as Error).message}`);
      reply = { status: 500, body: { message: (error as Error).message } };
    }
    record(reply.status, operation.id);
    this.send(res, operation, reply);
  }

  private send(res: ServerResponse, operation: Operation | null, reply: Reply): void {
    if (operation) {
      for (const problem of this.contract.validateResponse(operation, reply.status, reply.body)) {
        this.violations.push(`response: ${problem}`);
      }
    }
    const headers: Record<string, string> = { 'x-github-media-type': 'github.v3; format=json', ...reply.headers };
    if (reply.body === undefined) {
      res.writeHead(reply.status, headers);
      res.end();
      return;
    }
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) });
    res.end(text);
  }

  // ---- resources ----

  private complete(operationId: string, status: number, partial: unknown): unknown {
    return this.contract.complete(this.contract.responseSchema(operationId, status), partial);
  }

  private repoUrl(): string {
    return `${this.apiUrl}/repos/${this.owner}/${this.repo}`;
  }

  private htmlUrl(): string {
    return `${this.origin}/${this.owner}/${this.repo}`;
  }

  private userJson(user: User): Record<string, unknown> {
    return {
      login: user.login,
      id: user.id,
      type: user.type,
      node_id: `U_${user.id}`,
      url: `${this.apiUrl}/users/${encodeURIComponent(user.login)}`,
      html_url: `${this.origin}/${encodeURIComponent(user.login)}`,
      site_admin: false,
    };
  }

  private repositoryJson(): Record<string, unknown> {
    return {
      id: 4242,
      node_id: 'R_4242',
      name: this.repo,
      full_name: `${this.owner}/${this.repo}`,
      owner: this.userJson(this.user(this.owner)),
      private: true,
      html_url: this.htmlUrl(),
      url: this.repoUrl(),
      default_branch: 'main',
      visibility: 'private',
    };
  }

  private labelJson(label: LabelState): Record<string, unknown> {
    return {
      id: label.id,
      node_id: `LA_${label.id}`,
      url: `${this.repoUrl()}/labels/${encodeURIComponent(label.name)}`,
      name: label.name,
      color: label.color,
      description: label.description,
      default: false,
    };
  }

  private pullJson(pull: PullState): Record<string, unknown> {
    const head = this.pullHead(pull);
    const base = this.git.refs.get(`heads/${pull.baseRef}`) ?? head;
    const side = (ref: string, sha: string) => ({
      label: `${this.owner}:${ref}`,
      ref,
      sha,
      user: this.userJson(this.user(this.owner)),
      repo: this.repositoryJson(),
    });
    return {
      id: pull.id,
      node_id: `PR_${pull.id}`,
      number: pull.number,
      url: `${this.repoUrl()}/pulls/${pull.number}`,
      html_url: `${this.htmlUrl()}/pull/${pull.number}`,
      state: pull.state,
      locked: false,
      title: pull.title,
      body: pull.body,
      user: this.userJson(pull.user),
      labels: pull.labels.map((name) => this.labelJson(this.labels.get(name) ?? { id: 0, name, color: 'ededed', description: null })),
      created_at: pull.createdAt,
      updated_at: pull.updatedAt,
      closed_at: pull.state === 'closed' ? pull.updatedAt : null,
      merged_at: pull.mergedAt,
      merged: pull.mergedAt !== null,
      merge_commit_sha: pull.mergeCommitSha ?? null,
      draft: false,
      head: side(pull.headRef, head),
      base: side(pull.baseRef, base),
      author_association: 'MEMBER',
    };
  }

  private commentJson(comment: CommentState): Record<string, unknown> {
    return {
      id: comment.id,
      node_id: `IC_${comment.id}`,
      url: `${this.repoUrl()}/issues/comments/${comment.id}`,
      html_url: `${this.htmlUrl()}/pull/${comment.issue}#issuecomment-${comment.id}`,
      issue_url: `${this.repoUrl()}/issues/${comment.issue}`,
      body: comment.body,
      user: this.userJson(comment.user),
      created_at: comment.createdAt,
      updated_at: comment.updatedAt,
      author_association: 'MEMBER',
    };
  }

  private releaseJson(release: ReleaseState): Record<string, unknown> {
    return {
      id: release.id,
      node_id: `RE_${release.id}`,
      url: `${this.repoUrl()}/releases/${release.id}`,
      html_url: `${this.htmlUrl()}/releases/tag/${encodeURIComponent(release.tag)}`,
      assets_url: `${this.repoUrl()}/releases/${release.id}/assets`,
      upload_url: `${this.origin}/api/uploads/repos/${this.owner}/${this.repo}/releases/${release.id}/assets{?name,label}`,
      tarball_url: null,
      zipball_url: null,
      tag_name: release.tag,
      target_commitish: release.target,
      name: release.name,
      body: release.body,
      draft: release.draft,
      prerelease: release.prerelease,
      created_at: release.createdAt,
      published_at: release.draft ? null : release.createdAt,
      author: this.userJson(release.author),
      assets: release.assets.map((asset) => this.assetJson(asset)),
    };
  }

  private assetJson(asset: AssetState): Record<string, unknown> {
    return {
      id: asset.id,
      node_id: `RA_${asset.id}`,
      url: `${this.repoUrl()}/releases/assets/${asset.id}`,
      browser_download_url: `${this.origin}/_storage/assets/${asset.id}`,
      name: asset.name,
      label: null,
      state: 'uploaded',
      content_type: asset.contentType,
      size: asset.data.length,
      download_count: 0,
      created_at: asset.createdAt,
      updated_at: asset.createdAt,
      uploader: this.userJson(asset.uploader),
    };
  }

  private commitJson(sha: string): Record<string, unknown> {
    const commit = this.git.commits.get(sha)!;
    const person = { name: 'lockstep', email: 'lockstep@github.double', date: commit.date };
    return {
      sha,
      node_id: `C_${sha}`,
      url: `${this.repoUrl()}/git/commits/${sha}`,
      html_url: `${this.htmlUrl()}/commit/${sha}`,
      author: person,
      committer: person,
      message: commit.message,
      tree: { sha: commit.treeSha, url: `${this.repoUrl()}/git/trees/${commit.treeSha}` },
      parents: commit.parents.map((parent) => ({ sha: parent, url: `${this.repoUrl()}/git/commits/${parent}`, html_url: `${this.htmlUrl()}/commit/${parent}` })),
      verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
    };
  }

  private refJson(name: string): Record<string, unknown> {
    const sha = this.git.refs.get(name)!;
    const type = this.git.tags.has(sha) ? 'tag' : 'commit';
    return {
      ref: `refs/${name}`,
      node_id: `REF_${name}`,
      url: `${this.repoUrl()}/git/refs/${name}`,
      object: { type, sha, url: `${this.repoUrl()}/git/${type === 'tag' ? 'tags' : 'commits'}/${sha}` },
    };
  }

  private page<T>(request: Request, items: T[], path: string): { body: T[]; headers: Record<string, string> } {
    const perPage = Math.min(Number(request.query.get('per_page') ?? 30), 100);
    const page = Number(request.query.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (n: number, rel: string) => {
      const query = new URLSearchParams(request.query);
      query.set('page', String(n));
      return `<${this.apiUrl}${path}?${query.toString()}>; rel="${rel}"`;
    };
    const links = [];
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'), link(page - 1, 'prev'));
    return { body: items.slice((page - 1) * perPage, page * perPage), headers: links.length > 0 ? { link: links.join(', ') } : {} };
  }

  private notFound(message = 'Not Found'): Reply {
    return { status: 404, body: { message, documentation_url: 'https://docs.github.com/rest', status: '404' } };
  }

  private invalid(message: string, errors: Array<Record<string, string>> = []): Reply {
    return { status: 422, body: { message, errors, documentation_url: 'https://docs.github.com/rest' } };
  }

  private handlers(): Record<string, Handler> {
    const pull = (request: Request) => this.pulls.get(Number(request.params.pull_number ?? request.params.issue_number));
    return {
      ...this.settingsHandlers(),
      'pulls/get': {
        needs: ['pull_requests', 'read'],
        handle: (request) => {
          const found = pull(request);
          return found ? { status: 200, body: this.complete('pulls/get', 200, this.pullJson(found)) } : this.notFound();
        },
      },
      'pulls/list': {
        needs: ['pull_requests', 'read'],
        handle: (request) => {
          const state = request.query.get('state') ?? 'open';
          const head = request.query.get('head');
          const base = request.query.get('base');
          const items = [...this.pulls.values()].filter(
            (item) =>
              (state === 'all' || item.state === state) &&
              (!head || head === `${this.owner}:${item.headRef}`) &&
              (!base || base === item.baseRef),
          );
          const { body, headers } = this.page(request, items, `/repos/${this.owner}/${this.repo}/pulls`);
          return { status: 200, headers, body: this.complete('pulls/list', 200, body.map((item) => this.pullJson(item))) };
        },
      },
      // The pull requests of a commit: the one whose merge made it, and those whose head it is.
      'repos/list-pull-requests-associated-with-commit': {
        needs: ['contents', 'read'],
        handle: (request) => {
          const sha = request.params.commit_sha ?? '';
          const items = [...this.pulls.values()].filter((item) => item.mergeCommitSha === sha || this.pullHead(item) === sha);
          const { body, headers } = this.page(request, items, `/repos/${this.owner}/${this.repo}/commits/${sha}/pulls`);
          return { status: 200, headers, body: this.complete('repos/list-pull-requests-associated-with-commit', 200, body.map((item) => this.pullJson(item))) };
        },
      },
      'pulls/create': {
        needs: ['pull_requests', 'write'],
        handle: (request) => {
          const { head, base, title, body } = request.json as { head: string; base: string; title?: string; body?: string };
          if (!this.git.refs.has(`heads/${head}`) || !this.git.refs.has(`heads/${base}`)) {
            return this.invalid('Validation Failed', [{ resource: 'PullRequest', field: this.git.refs.has(`heads/${head}`) ? 'base' : 'head', code: 'invalid' }]);
          }
          if ([...this.pulls.values()].some((item) => item.state === 'open' && item.headRef === head && item.baseRef === base)) {
            return this.invalid('Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `A pull request already exists for ${this.owner}:${head}.` }]);
          }
          if (this.git.isAncestor(this.head(head), this.head(base))) {
            return this.invalid('Validation Failed', [{ resource: 'PullRequest', code: 'custom', message: `No commits between ${base} and ${head}` }]);
          }
          const number = this.openPullRequest({ head, base, author: this.actor.login, title: title ?? head, body: body ?? '' });
          return { status: 201, body: this.complete('pulls/create', 201, this.pullJson(this.pulls.get(number)!)) };
        },
      },
      'pulls/update': {
        needs: ['pull_requests', 'write'],
        handle: (request) => {
          const found = pull(request);
          if (!found) return this.notFound();
          const { title, body } = request.json as { title?: string; body?: string };
          if (title !== undefined) found.title = title;
          if (body !== undefined) found.body = body;
          found.updatedAt = this.now();
          return { status: 200, body: this.complete('pulls/update', 200, this.pullJson(found)) };
        },
      },
      'repos/get-collaborator-permission-level': {
        // GitHub asks for metadata: read, which every installation token holds; contents: read is the nearest scope here.
        needs: ['contents', 'read'],
        handle: (request) => {
          const login = String(request.params.username);
          const permission = this.collaborators.get(login.toLowerCase()) ?? 'write';
          const json = { permission, role_name: permission, user: this.userJson(this.user(login)) };
          return { status: 200, body: this.complete('repos/get-collaborator-permission-level', 200, json) };
        },
      },
      'pulls/list-reviews': {
        needs: ['pull_requests', 'read'],
        handle: (request) => {
          const found = pull(request);
          if (!found) return this.notFound();
          const items = this.reviews.filter((review) => review.pull === found.number && review.state !== 'PENDING');
          const { body, headers } = this.page(request, items, `/repos/${this.owner}/${this.repo}/pulls/${found.number}/reviews`);
          const json = body.map((review) => ({
            id: review.id,
            node_id: `PRR_${review.id}`,
            user: review.user ? this.userJson(review.user) : null,
            body: '',
            state: review.state,
            html_url: `${this.htmlUrl()}/pull/${found.number}#pullrequestreview-${review.id}`,
            pull_request_url: `${this.repoUrl()}/pulls/${found.number}`,
            _links: { html: { href: `${this.htmlUrl()}/pull/${found.number}` }, pull_request: { href: `${this.repoUrl()}/pulls/${found.number}` } },
            submitted_at: review.submittedAt,
            commit_id: review.commitId,
            author_association: 'MEMBER',
          }));
          return { status: 200, headers, body: this.complete('pulls/list-reviews', 200, json) };
        },
      },
      'issues/list-comments': {
        needs: ['issues', 'read'],
        handle: (request) => {
          const number = Number(request.params.issue_number);
          if (!this.pulls.has(number)) return this.notFound();
          const items = [...this.comments.values()].filter((comment) => comment.issue === number).sort((a, b) => a.id - b.id);
          const { body, headers } = this.page(request, items, `/repos/${this.owner}/${this.repo}/issues/${number}/comments`);
          return { status: 200, headers, body: this.complete('issues/list-comments', 200, body.map((comment) => this.commentJson(comment))) };
        },
      },
      'users/get-authenticated': {
        needs: ['contents', 'read'],
        handle: () => {
          // Installation tokens (GITHUB_TOKEN, an App's token) have no user behind them.
          if (this.actor.type === 'Bot') {
            return {
              status: 403,
              body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user', status: '403' },
            };
          }
          return { status: 200, body: this.complete('users/get-authenticated', 200, { ...this.userJson(this.actor), name: null, email: null, created_at: '2020-01-01T00:00:00Z', updated_at: '2020-01-01T00:00:00Z' }) };
        },
      },
      'issues/create-comment': {
        needs: ['issues', 'write'],
        handle: (request) => {
          const number = Number(request.params.issue_number);
          if (!this.pulls.has(number)) return this.notFound();
          const id = this.addComment(number, this.actor.login, String(request.json.body));
          return { status: 201, body: this.complete('issues/create-comment', 201, this.commentJson(this.comments.get(id)!)) };
        },
      },
      'issues/update-comment': {
        needs: ['issues', 'write'],
        handle: (request) => {
          const comment = this.comments.get(Number(request.params.comment_id));
          if (!comment) return this.notFound();
          comment.body = String(request.json.body);
          comment.updatedAt = this.now();
          return { status: 200, body: this.complete('issues/update-comment', 200, this.commentJson(comment)) };
        },
      },
      'issues/delete-comment': {
        needs: ['issues', 'write'],
        handle: (request) => {
          const id = Number(request.params.comment_id);
          if (!this.comments.has(id)) return this.notFound();
          this.comments.delete(id);
          return { status: 204 };
        },
      },
      'issues/get-label': {
        needs: ['issues', 'read'],
        handle: (request) => {
          const label = this.labels.get(request.params.name!);
          return label ? { status: 200, body: this.complete('issues/get-label', 200, this.labelJson(label)) } : this.notFound();
        },
      },
      'issues/create-label': {
        needs: ['issues', 'write'],
        handle: (request) => {
          const { name, color, description } = request.json as { name: string; color?: string; description?: string };
          if (this.labels.has(name)) return this.invalid('Validation Failed', [{ resource: 'Label', code: 'already_exists', field: 'name' }]);
          if (color !== undefined && !/^[0-9a-fA-F]{6}$/.test(color)) return this.invalid('Validation Failed', [{ resource: 'Label', code: 'invalid', field: 'color' }]);
          const label = { id: this.nextId(), name, color: color ?? 'ededed', description: description ?? null };
          this.labels.set(name, label);
          return { status: 201, body: this.complete('issues/create-label', 201, this.labelJson(label)) };
        },
      },
      'issues/add-labels': {
        needs: ['issues', 'write'],
        handle: (request) => {
          const found = pull(request);
          if (!found) return this.notFound();
          const names = (request.json as { labels?: string[] }).labels ?? [];
          for (const name of names) {
            if (!this.labels.has(name)) this.labels.set(name, { id: this.nextId(), name, color: 'ededed', description: null });
            if (!found.labels.includes(name)) found.labels.push(name);
          }
          return { status: 200, body: this.complete('issues/add-labels', 200, found.labels.map((name) => this.labelJson(this.labels.get(name)!))) };
        },
      },
      'issues/remove-label': {
        needs: ['issues', 'write'],
        handle: (request) => {
          const found = pull(request);
          if (!found || !found.labels.includes(request.params.name!)) return this.notFound('Label does not exist');
          found.labels = found.labels.filter((name) => name !== request.params.name);
          return { status: 200, body: this.complete('issues/remove-label', 200, found.labels.map((name) => this.labelJson(this.labels.get(name)!))) };
        },
      },
      'repos/get-content': {
        needs: ['contents', 'read'],
        handle: (request) => {
          const ref = request.query.get('ref') ?? 'main';
          const commit = this.git.resolve(ref);
          if (!commit) return this.notFound(`No commit found for the ref ${ref}`);
          const path = request.params.path!;
          const file = this.git.fileAt(commit, path);
          if (!file) return this.notFound();
          const name = path.split('/').at(-1)!;
          const self = `${this.repoUrl()}/contents/${path}?ref=${encodeURIComponent(ref)}`;
          const gitUrl = `${this.repoUrl()}/git/blobs/${file.sha}`;
          const html = `${this.htmlUrl()}/blob/${encodeURIComponent(ref)}/${path}`;
          return {
            status: 200,
            body: this.complete('repos/get-content', 200, {
              type: 'file',
              encoding: 'base64',
              size: file.content.length,
              name,
              path,
              // GitHub wraps base64 at 60 characters.
              content: (file.content.toString('base64').match(/.{1,60}/g) ?? []).join('\n'),
              sha: file.sha,
              url: self,
              git_url: gitUrl,
              html_url: html,
              download_url: `${this.origin}/raw/${path}`,
              _links: { self, git: gitUrl, html },
            }),
          };
        },
      },
      'git/get-ref': {
        needs: ['contents', 'read'],
        handle: (request) => {
          const name = request.params.ref!;
          return this.git.refs.has(name) ? { status: 200, body: this.complete('git/get-ref', 200, this.refJson(name)) } : this.notFound();
        },
      },
      'git/create-ref': {
        needs: ['contents', 'write'],
        handle: (request) => {
          const { ref, sha } = request.json as { ref: string; sha: string };
          if (!/^refs\/[^/]+\/.+/.test(ref)) return this.invalid('Reference name must start with refs/ and have at least two slashes.');
          if (!this.git.commits.has(sha) && !this.git.tags.has(sha)) return this.invalid('Object does not exist');
          const name = ref.slice('refs/'.length);
          if (this.git.refs.has(name)) return this.invalid('Reference already exists');
          this.git.refs.set(name, sha);
          return { status: 201, body: this.complete('git/create-ref', 201, this.refJson(name)) };
        },
      },
      'git/update-ref': {
        needs: ['contents', 'write'],
        handle: (request) => {
          const name = request.params.ref!;
          const { sha, force } = request.json as { sha: string; force?: boolean };
          const current = this.git.refs.get(name);
          if (!current) return this.invalid('Reference does not exist');
          if (!this.git.commits.has(sha)) return this.invalid('Object does not exist');
          if (!force && !this.git.isAncestor(current, sha)) return this.invalid('Update is not a fast forward');
          this.git.refs.set(name, sha);
          return { status: 200, body: this.complete('git/update-ref', 200, this.refJson(name)) };
        },
      },
      'git/get-commit': {
        needs: ['contents', 'read'],
        handle: (request) =>
          this.git.commits.has(request.params.commit_sha!)
            ? { status: 200, body: this.complete('git/get-commit', 200, this.commitJson(request.params.commit_sha!)) }
            : this.notFound(),
      },
      'git/get-tag': {
        needs: ['contents', 'read'],
        handle: (request) => {
          const tag = this.git.tags.get(request.params.tag_sha!);
          if (!tag) return this.notFound();
          const person = { name: 'lockstep', email: 'lockstep@github.double', date: this.now() };
          return {
            status: 200,
            body: this.complete('git/get-tag', 200, {
              node_id: `TAG_${tag.sha}`,
              tag: tag.tag,
              sha: tag.sha,
              url: `${this.repoUrl()}/git/tags/${tag.sha}`,
              message: tag.message,
              tagger: person,
              object: { ...tag.object, url: `${this.repoUrl()}/git/commits/${tag.object.sha}` },
              verification: { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
            }),
          };
        },
      },
      'git/create-blob': {
        needs: ['contents', 'write'],
        handle: (request) => {
          const { content, encoding } = request.json as { content: string; encoding?: string };
          const sha = this.git.putBlob(Buffer.from(content, encoding === 'base64' ? 'base64' : 'utf8'));
          return { status: 201, body: this.complete('git/create-blob', 201, { sha, url: `${this.repoUrl()}/git/blobs/${sha}` }) };
        },
      },
      'git/get-blob': {
        needs: ['contents', 'read'],
        handle: (request) => {
          const content = this.git.blobs.get(request.params.file_sha!);
          if (!content) return this.notFound();
          return {
            status: 200,
            body: this.complete('git/get-blob', 200, {
              sha: request.params.file_sha,
              node_id: `B_${request.params.file_sha}`,
              url: `${this.repoUrl()}/git/blobs/${request.params.file_sha}`,
              size: content.length,
              content: content.toString('base64'),
              encoding: 'base64',
            }),
          };
        },
      },
      'git/create-tree': {
        needs: ['contents', 'write'],
        handle: (request) => {
          const { base_tree: baseTree, tree } = request.json as { base_tree?: string; tree: Array<{ path: string; mode: string; type: string; sha?: string | null; content?: string }> };
          const base = baseTree ? this.git.trees.get(baseTree) : new Map<string, string>();
          if (!base) return this.invalid('base_tree is not a valid tree');
          const entries = new Map(base);
          for (const entry of tree) {
            if (entry.type !== 'blob' || entry.mode !== '100644') return this.invalid('the double only models regular files');
            if (entry.sha === null) entries.delete(entry.path);
            else if (entry.sha) {
              if (!this.git.blobs.has(entry.sha)) return this.invalid(`tree.sha ${entry.sha} is not a valid blob`);
              entries.set(entry.path, entry.sha);
            } else entries.set(entry.path, this.git.putBlob(Buffer.from(entry.content ?? '', 'utf8')));
          }
          const sha = this.git.putTree(entries);
          return {
            status: 201,
            body: this.complete('git/create-tree', 201, {
              sha,
              url: `${this.repoUrl()}/git/trees/${sha}`,
              truncated: false,
              tree: [...entries.entries()].map(([path, blob]) => ({
                path,
                mode: '100644',
                type: 'blob',
                sha: blob,
                size: this.git.blobs.get(blob)!.length,
                url: `${this.repoUrl()}/git/blobs/${blob}`,
              })),
            }),
          };
        },
      },
      'git/create-commit': {
        needs: ['contents', 'write'],
        handle: (request) => {
          const { message, tree, parents } = request.json as { message: string; tree: string; parents?: string[] };
          if (!this.git.trees.has(tree)) return this.invalid('Tree SHA does not exist');
          if ((parents ?? []).some((parent) => !this.git.commits.has(parent))) return this.invalid('Parent SHA does not exist or is not a commit object');
          const commit = this.git.putCommit(tree, parents ?? [], message);
          return { status: 201, body: this.complete('git/create-commit', 201, this.commitJson(commit.sha)) };
        },
      },
      'repos/get-release-by-tag': {
        needs: ['contents', 'read'],
        handle: (request) => {
          const release = this.releases.find((item) => item.tag === request.params.tag && !item.draft);
          return release ? { status: 200, body: this.complete('repos/get-release-by-tag', 200, this.releaseJson(release)) } : this.notFound();
        },
      },
      'repos/list-releases': {
        needs: ['contents', 'read'],
        handle: (request) => {
          const items = [...this.releases].reverse();
          const { body, headers } = this.page(request, items, `/repos/${this.owner}/${this.repo}/releases`);
          return { status: 200, headers, body: this.complete('repos/list-releases', 200, body.map((release) => this.releaseJson(release))) };
        },
      },
      'repos/create-release': {
        needs: ['contents', 'write'],
        handle: (request) => {
          const input = request.json as { tag_name: string; target_commitish?: string; name?: string; body?: string; draft?: boolean; prerelease?: boolean };
          if (this.releases.some((item) => item.tag === input.tag_name)) {
            return this.invalid('Validation Failed', [{ resource: 'Release', code: 'already_exists', field: 'tag_name' }]);
          }
          const target = input.target_commitish ?? 'main';
          if (!this.git.refs.has(`tags/${input.tag_name}`)) {
            const commit = this.git.resolve(target);
            if (!commit) return this.invalid('Validation Failed', [{ resource: 'Release', code: 'invalid', field: 'target_commitish' }]);
            this.git.refs.set(`tags/${input.tag_name}`, commit.sha);
          }
          const release: ReleaseState = {
            id: this.nextId(),
            tag: input.tag_name,
            target,
            name: input.name ?? null,
            body: input.body ?? null,
            draft: input.draft ?? false,
            prerelease: input.prerelease ?? false,
            createdAt: this.now(),
            author: this.actor,
            assets: [],
          };
          this.releases.push(release);
          return { status: 201, body: this.complete('repos/create-release', 201, this.releaseJson(release)) };
        },
      },
      'repos/update-release': {
        needs: ['contents', 'write'],
        handle: (request) => {
          const release = this.releases.find((item) => item.id === Number(request.params.release_id));
          if (!release) return this.notFound();
          const input = request.json as { name?: string; body?: string };
          if (input.name !== undefined) release.name = input.name;
          if (input.body !== undefined) release.body = input.body;
          return { status: 200, body: this.complete('repos/update-release', 200, this.releaseJson(release)) };
        },
      },
      'repos/list-release-assets': {
        needs: ['contents', 'read'],
        handle: (request) => {
          const release = this.releases.find((item) => item.id === Number(request.params.release_id));
          if (!release) return this.notFound();
          const { body, headers } = this.page(request, release.assets, `/repos/${this.owner}/${this.repo}/releases/${release.id}/assets`);
          return { status: 200, headers, body: this.complete('repos/list-release-assets', 200, body.map((asset) => this.assetJson(asset))) };
        },
      },
      'repos/get-release-asset': {
        needs: ['contents', 'read'],
        handle: (request) => {
          const asset = this.releases.flatMap((release) => release.assets).find((item) => item.id === Number(request.params.asset_id));
          if (!asset) return this.notFound();
          // Binary downloads redirect to storage, as on github.com.
          if (String(request.headers.accept ?? '').includes('application/octet-stream')) {
            return { status: 302, headers: { location: `${this.origin}/_storage/assets/${asset.id}` } };
          }
          return { status: 200, body: this.complete('repos/get-release-asset', 200, this.assetJson(asset)) };
        },
      },
      'repos/upload-release-asset': {
        needs: ['contents', 'write'],
        handle: (request) => {
          const release = this.releases.find((item) => item.id === Number(request.params.release_id));
          if (!release) return this.notFound();
          const name = request.query.get('name')!;
          if (release.assets.some((asset) => asset.name === name)) {
            return this.invalid('Validation Failed', [{ resource: 'ReleaseAsset', code: 'already_exists', field: 'name' }]);
          }
          if (String(request.headers['content-length'] ?? '') !== String(request.raw.length)) {
            return this.invalid('Validation Failed', [{ resource: 'ReleaseAsset', code: 'invalid', field: 'size' }]);
          }
          const asset: AssetState = {
            id: this.nextId(),
            name,
            contentType: String(request.headers['content-type']),
            data: request.raw,
            createdAt: this.now(),
            uploader: this.actor,
          };
          release.assets.push(asset);
          return { status: 201, body: this.complete('repos/upload-release-asset', 201, this.assetJson(asset)) };
        },
      },
      'repos/delete-release-asset': {
        needs: ['contents', 'write'],
        handle: (request) => {
          for (const release of this.releases) {
            const index = release.assets.findIndex((asset) => asset.id === Number(request.params.asset_id));
            if (index >= 0) {
              release.assets.splice(index, 1);
              return { status: 204 };
            }
          }
          return this.notFound();
        },
      },
    };
  }

  private settingsHandlers(): Record<string, Handler> {
    const stamp = '2026-11-01T08:00:00Z';
    const environmentJson = (name: string, env: EnvironmentSettings) => {
      const rules: unknown[] = [];
      if (env.reviewers.length > 0) {
        rules.push({
          id: this.nextId(),
          node_id: `GA_${name}`,
          type: 'required_reviewers',
          prevent_self_review: env.preventSelfReview,
          reviewers: env.reviewers.map((login) => ({ type: 'User', reviewer: this.userJson(this.user(login)) })),
        });
      }
      if (env.branches !== null) rules.push({ id: this.nextId(), node_id: `GA_${name}_b`, type: 'branch_policy' });
      return {
        id: this.nextId(),
        node_id: `EN_${name}`,
        name,
        url: `${this.repoUrl()}/environments/${name}`,
        html_url: `${this.htmlUrl()}/deployments/activity_log?environments_filter=${name}`,
        created_at: stamp,
        updated_at: stamp,
        protection_rules: rules,
        deployment_branch_policy: env.branches === null ? null : { protected_branches: env.branches === 'protected', custom_branch_policies: env.branches !== 'protected' },
      };
    };
    const enabled = (value: boolean) => ({ enabled: value });
    return {
      'actions/get-repo-variable': {
        needs: ['administration', 'read'],
        handle: (request) => {
          const name = request.params.name!;
          if (!this.settings.variables.has(name)) return this.notFound();
          return { status: 200, body: this.complete('actions/get-repo-variable', 200, { name, value: '(set)', created_at: stamp, updated_at: stamp }) };
        },
      },
      'actions/list-repo-secrets': {
        needs: ['administration', 'read'],
        handle: (request) => {
          const names = [...this.settings.secrets].sort();
          const { body, headers } = this.page(request, names, `/repos/${this.owner}/${this.repo}/actions/secrets`);
          return { status: 200, headers, body: this.complete('actions/list-repo-secrets', 200, { total_count: names.length, secrets: body.map((name) => ({ name, created_at: stamp, updated_at: stamp })) }) };
        },
      },
      'repos/get-environment': {
        needs: ['administration', 'read'],
        handle: (request) => {
          const name = request.params.environment_name!;
          const env = this.settings.environments.get(name);
          return env ? { status: 200, body: this.complete('repos/get-environment', 200, environmentJson(name, env)) } : this.notFound();
        },
      },
      'repos/list-deployment-branch-policies': {
        needs: ['administration', 'read'],
        handle: (request) => {
          const env = this.settings.environments.get(request.params.environment_name!);
          if (!env) return this.notFound();
          const names = Array.isArray(env.branches) ? env.branches : [];
          const policies = names.map((name, index) => ({ id: 500 + index, node_id: `DBP_${index}`, name, type: 'branch' }));
          return { status: 200, body: this.complete('repos/list-deployment-branch-policies', 200, { total_count: policies.length, branch_policies: policies }) };
        },
      },
      'repos/get-branch-protection': {
        needs: ['administration', 'read'],
        handle: (request) => {
          const branch = request.params.branch!;
          const rules = this.settings.protection.get(branch);
          if (!rules) return this.notFound('Branch not protected');
          const url = `${this.repoUrl()}/branches/${branch}/protection`;
          return {
            status: 200,
            body: this.complete('repos/get-branch-protection', 200, {
              url,
              ...(rules.approvals === null
                ? {}
                : {
                    required_pull_request_reviews: {
                      url: `${url}/required_pull_request_reviews`,
                      required_approving_review_count: rules.approvals,
                      dismiss_stale_reviews: rules.dismissStaleReviews,
                      require_code_owner_reviews: false,
                      require_last_push_approval: rules.lastPushApproval,
                    },
                  }),
              required_status_checks: {
                url: `${url}/required_status_checks`,
                strict: true,
                contexts: rules.requiredChecks,
                checks: rules.requiredChecks.map((context) => ({ context, app_id: null })),
                contexts_url: `${url}/required_status_checks/contexts`,
              },
              enforce_admins: { url: `${url}/enforce_admins`, enabled: rules.enforceAdmins },
              allow_force_pushes: enabled(rules.allowForcePushes),
              allow_deletions: enabled(rules.allowDeletions),
            }),
          };
        },
      },
      'orgs/list-app-installations': {
        needs: ['administration', 'read'],
        handle: (request) => {
          const installations = this.settings.installations;
          if (installations === null) return { status: 403, body: { message: 'Resource not accessible by integration', documentation_url: 'https://docs.github.com/rest', status: '403' } };
          const { body, headers } = this.page(request, installations, `/orgs/${this.owner}/installations`);
          return {
            status: 200,
            headers,
            body: this.complete('orgs/list-app-installations', 200, {
              total_count: installations.length,
              installations: body.map((entry, index) => ({
                id: 7000 + index,
                app_id: 9000 + index,
                app_slug: entry.slug,
                target_id: 1,
                target_type: 'Organization',
                account: this.userJson(this.user(this.owner)),
                permissions: entry.permissions,
                repository_selection: entry.repositorySelection,
                access_tokens_url: `${this.apiUrl}/app/installations/${7000 + index}/access_tokens`,
                repositories_url: `${this.apiUrl}/installation/repositories`,
                html_url: `${this.origin}/organizations/${this.owner}/settings/installations/${7000 + index}`,
                events: [],
                created_at: stamp,
                updated_at: stamp,
                single_file_name: null,
                suspended_by: null,
                suspended_at: null,
              })),
            }),
          };
        },
      },
    };
  }
}

function faultReply(fault: Fault): Reply {
  if (fault.kind === 'secondary-rate-limit') {
    return {
      status: 403,
      headers: { 'retry-after': String(fault.retryAfterSeconds ?? 1) },
      body: {
        message: 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
      },
    };
  }
  if (fault.kind === 'rate-limit-429') {
    // Octokit waits until one second after the reset, so the reset comes a second before retry-after.
    const reset = Math.floor(Date.now() / 1000) + (fault.retryAfterSeconds ?? 1) - 1;
    return {
      status: 429,
      headers: { 'retry-after': String(fault.retryAfterSeconds ?? 1), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      body: { message: 'API rate limit exceeded', documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api' },
    };
  }
  const status = fault.status ?? 500;
  return { status, body: { message: status >= 500 ? 'Server Error' : 'Injected failure' } };
}

export async function startGitHubDouble(options: GitHubDoubleOptions = {}): Promise<GitHubDouble> {
  return new GitHubDouble(options).start();
}
