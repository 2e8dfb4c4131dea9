import type { GitHubClient } from './client.js';
import { githubFailure, type Attempt } from './failure.js';
import type {
  FileAtRef,
  GitHubPort,
  IssueCommentInfo,
  PullRequestInfo,
  ReleaseAssetInfo,
  ReleaseInfo,
  RepositoryName,
  ReviewInfo,
  ReviewState,
} from './port.js';

interface PullLike {
  number: number;
  state: string;
  merged_at: string | null;
  merge_commit_sha?: string | null;
  title: string;
  body: string | null;
  user: { login: string } | null;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  labels: Array<{ name?: string } | string>;
  html_url: string;
}

interface CommentLike {
  id: number;
  body?: string;
  user: { login: string } | null;
  html_url: string;
}

interface ReleaseLike {
  id: number;
  tag_name: string;
  name: string | null;
  body?: string | null;
  draft: boolean;
  prerelease: boolean;
  html_url: string;
  upload_url: string;
}

interface AssetLike {
  id: number;
  name: string;
  size: number;
  browser_download_url: string;
}

function toPullRequest(data: PullLike): PullRequestInfo {
  return {
    number: data.number,
    state: data.state === 'open' ? 'open' : 'closed',
    merged: data.merged_at !== null,
    mergeCommitSha: data.merged_at !== null ? (data.merge_commit_sha ?? null) : null,
    title: data.title,
    body: data.body ?? '',
    author: data.user?.login ?? '',
    headRef: data.head.ref,
    headSha: data.head.sha,
    baseRef: data.base.ref,
    baseSha: data.base.sha,
    labels: data.labels.map((label) => (typeof label === 'string' ? label : (label.name ?? ''))).filter((name) => name !== ''),
    url: data.html_url,
  };
}

function toComment(data: CommentLike): IssueCommentInfo {
  return { id: data.id, body: data.body ?? '', author: data.user?.login ?? '', url: data.html_url };
}

function toRelease(data: ReleaseLike): ReleaseInfo {
  return {
    id: data.id,
    tag: data.tag_name,
    name: data.name,
    body: data.body ?? '',
    draft: data.draft,
    prerelease: data.prerelease,
    url: data.html_url,
    uploadUrl: data.upload_url,
  };
}

function toAsset(data: AssetLike): ReleaseAssetInfo {
  return { id: data.id, name: data.name, size: data.size, url: data.browser_download_url };
}

const reviewStates = new Set<ReviewState>(['APPROVED', 'CHANGES_REQUESTED', 'COMMENTED', 'DISMISSED', 'PENDING']);

function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function toBuffer(data: unknown): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  throw new TypeError('GitHub answered a download with an unexpected body');
}

export interface OctokitPortOptions {
  /**
   * The slug of the GitHub App whose installation token lockstep runs with. No REST call maps an
   * installation token to its App, so it is configured; GITHUB_TOKEN's App is github-actions.
   */
  appSlug?: string;
}

/** The GitHubPort on top of Octokit: REST routes, pagination and the permission each call needs. */
export function octokitPort(client: GitHubClient, repository: RepositoryName, options: OctokitPortOptions = {}): GitHubPort {
  const { owner, repo } = repository;
  let identity: Promise<string> | undefined;
  const call = async <T>(attempt: Attempt, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw githubFailure(error, attempt, repository);
    }
  };
  /** Like `call`, but a 404 is an answer (the thing does not exist), not a failure. */
  const callOrMissing = async <T>(attempt: Attempt, work: () => Promise<T>): Promise<T | null> => {
    try {
      return await work();
    } catch (error) {
      if (statusOf(error) === 404) return null;
      throw githubFailure(error, attempt, repository);
    }
  };

  return {
    repository,

    whoAmI: () =>
      (identity ??= call({ action: 'asking GitHub who the token belongs to', permission: 'pull-requests: read' }, async () => {
        try {
          return (await client.rest.users.getAuthenticated()).data.login;
        } catch (error) {
          // GitHub answers 403 to an installation token: it acts as its App's bot user.
          if (statusOf(error) === 403) return `${options.appSlug ?? 'github-actions'}[bot]`;
          throw error;
        }
      })),

    getPullRequest: (number) =>
      call({ action: `reading pull request #${number}`, permission: 'pull-requests: read' }, async () =>
        toPullRequest((await client.rest.pulls.get({ owner, repo, pull_number: number })).data),
      ),

    listPullRequestsForCommit: (sha) =>
      call({ action: `looking for the pull requests of commit ${sha.slice(0, 7)}`, permission: 'pull-requests: read' }, async () => {
        const pulls = await client.paginate(client.rest.repos.listPullRequestsAssociatedWithCommit, { owner, repo, commit_sha: sha, per_page: 100 });
        return pulls.map((pull) => toPullRequest(pull));
      }),

    findOpenPullRequests: (head, base) =>
      call({ action: `looking for an open pull request ${head} → ${base}`, permission: 'pull-requests: read' }, async () => {
        const pulls = await client.paginate(client.rest.pulls.list, { owner, repo, state: 'open', head: `${owner}:${head}`, base, per_page: 100 });
        return pulls.map((pull) => toPullRequest(pull));
      }),

    createPullRequest: (input) =>
      call({ action: `opening a pull request ${input.head} → ${input.base}`, permission: 'pull-requests: write' }, async () =>
        toPullRequest((await client.rest.pulls.create({ owner, repo, ...input })).data),
      ),

    updatePullRequest: (number, input) =>
      call({ action: `updating pull request #${number}`, permission: 'pull-requests: write' }, async () =>
        toPullRequest((await client.rest.pulls.update({ owner, repo, pull_number: number, ...input })).data),
      ),

    listIssueComments: (number) =>
      call({ action: `reading the comments of #${number}`, permission: 'pull-requests: read' }, async () => {
        const comments = await client.paginate(client.rest.issues.listComments, { owner, repo, issue_number: number, per_page: 100 });
        return comments.map(toComment);
      }),

    createIssueComment: (number, body) =>
      call({ action: `commenting on #${number}`, permission: 'issues: write' }, async () =>
        toComment((await client.rest.issues.createComment({ owner, repo, issue_number: number, body })).data),
      ),

    updateIssueComment: (id, body) =>
      call({ action: `updating comment ${id}`, permission: 'issues: write' }, async () =>
        toComment((await client.rest.issues.updateComment({ owner, repo, comment_id: id, body })).data),
      ),

    deleteIssueComment: async (id) => {
      await callOrMissing({ action: `deleting duplicate comment ${id}`, permission: 'issues: write' }, () =>
        client.rest.issues.deleteComment({ owner, repo, comment_id: id }),
      );
    },

    hasWriteAccess: (login) =>
      call({ action: `reading the repository permission of ${login}`, permission: 'metadata: read' }, async () => {
        const { data } = await client.rest.repos.getCollaboratorPermissionLevel({ owner, repo, username: login });
        return data.permission === 'admin' || data.permission === 'write';
      }),

    listReviews: (number) =>
      call({ action: `reading the reviews of #${number}`, permission: 'pull-requests: read' }, async () => {
        const reviews = await client.paginate(client.rest.pulls.listReviews, { owner, repo, pull_number: number, per_page: 100 });
        return reviews.map(
          (review): ReviewInfo => ({
            id: review.id,
            reviewer: review.user?.login ?? null,
            reviewerType: review.user?.type,
            state: reviewStates.has(review.state as ReviewState) ? (review.state as ReviewState) : 'COMMENTED',
            commitId: review.commit_id,
            submittedAt: review.submitted_at ?? null,
          }),
        );
      }),

    ensureLabel: async (label) => {
      const attempt: Attempt = { action: `creating label ${label.name}`, permission: 'issues: write' };
      const existing = await callOrMissing(attempt, () => client.rest.issues.getLabel({ owner, repo, name: label.name }));
      if (existing) return 'exists';
      try {
        await client.rest.issues.createLabel({ owner, repo, ...label });
        return 'created';
      } catch (error) {
        // Another run created it between our read and our write: the label exists, which is all we want.
        if (statusOf(error) === 422) return 'exists';
        throw githubFailure(error, attempt, repository);
      }
    },

    addLabels: async (number, labels) => {
      await call({ action: `labelling #${number}`, permission: 'issues: write' }, () =>
        client.rest.issues.addLabels({ owner, repo, issue_number: number, labels }),
      );
    },

    removeLabel: async (number, label) => {
      await callOrMissing({ action: `removing label ${label} from #${number}`, permission: 'issues: write' }, () =>
        client.rest.issues.removeLabel({ owner, repo, issue_number: number, name: label }),
      );
    },

    readFile: (path, ref) =>
      callOrMissing({ action: `reading ${path} at ${ref}`, permission: 'contents: read' }, async (): Promise<FileAtRef> => {
        const { data } = await client.rest.repos.getContent({ owner, repo, path, ref });
        if (Array.isArray(data) || data.type !== 'file') throw new TypeError(`${path} at ${ref} is not a file`);
        if (data.encoding === 'base64' && (data.content !== '' || data.size === 0)) {
          return { content: Buffer.from(data.content, 'base64'), blobSha: data.sha };
        }
        // Files over 1 MB come without content; the blob API serves them.
        const blob = await client.rest.git.getBlob({ owner, repo, file_sha: data.sha });
        return { content: Buffer.from(blob.data.content, blob.data.encoding === 'base64' ? 'base64' : 'utf8'), blobSha: data.sha };
      }),

    getBranchHead: (branch) =>
      call({ action: `reading branch ${branch}`, permission: 'contents: read' }, async () => {
        const { data } = await client.rest.git.getRef({ owner, repo, ref: `heads/${branch}` });
        return data.object.sha;
      }),

    commitFile: (input) =>
      call({ action: `committing ${input.path} to ${input.branch}`, permission: 'contents: write' }, async () => {
        const parent = await client.rest.git.getCommit({ owner, repo, commit_sha: input.parent });
        const blob = await client.rest.git.createBlob({ owner, repo, content: input.content.toString('base64'), encoding: 'base64' });
        const tree = await client.rest.git.createTree({
          owner,
          repo,
          base_tree: parent.data.tree.sha,
          tree: [{ path: input.path, mode: '100644', type: 'blob', sha: blob.data.sha }],
        });
        const commit = await client.rest.git.createCommit({ owner, repo, message: input.message, tree: tree.data.sha, parents: [input.parent] });
        try {
          // force: false makes the ref update a compare-and-swap: it fails if anyone pushed since `parent`.
          await client.rest.git.updateRef({ owner, repo, ref: `heads/${input.branch}`, sha: commit.data.sha, force: false });
        } catch (error) {
          if (statusOf(error) === 422) return { moved: true as const };
          throw error;
        }
        return { commit: commit.data.sha };
      }),

    getTagCommit: (tag) =>
      call({ action: `reading tag ${tag}`, permission: 'contents: read' }, async () => {
        let ref;
        try {
          ref = (await client.rest.git.getRef({ owner, repo, ref: `tags/${tag}` })).data;
        } catch (error) {
          if (statusOf(error) === 404) return null;
          throw error;
        }
        let { type, sha } = ref.object;
        // Annotated tags point at a tag object, which may (rarely) point at another tag.
        for (let depth = 0; type === 'tag' && depth < 8; depth += 1) {
          const object = (await client.rest.git.getTag({ owner, repo, tag_sha: sha })).data.object;
          type = object.type;
          sha = object.sha;
        }
        if (type !== 'commit') throw new TypeError(`tag ${tag} points at a ${type}, not a commit`);
        return sha;
      }),

    createTag: async (tag, commit) => {
      await call({ action: `creating tag ${tag}`, permission: 'contents: write' }, () =>
        client.rest.git.createRef({ owner, repo, ref: `refs/tags/${tag}`, sha: commit }),
      );
    },

    getReleaseByTag: (tag) =>
      callOrMissing({ action: `reading the release of ${tag}`, permission: 'contents: read' }, async () =>
        toRelease((await client.rest.repos.getReleaseByTag({ owner, repo, tag })).data),
      ),

    listReleases: () =>
      call({ action: 'listing releases', permission: 'contents: read' }, async () =>
        (await client.paginate(client.rest.repos.listReleases, { owner, repo, per_page: 100 })).map(toRelease),
      ),

    createRelease: (input) =>
      call({ action: `creating the release ${input.tag}`, permission: 'contents: write' }, async () =>
        toRelease(
          (
            await client.rest.repos.createRelease({
              owner,
              repo,
              tag_name: input.tag,
              target_commitish: input.commit,
              name: input.name,
              body: input.body,
              draft: false,
              prerelease: input.prerelease,
            })
          ).data,
        ),
      ),

    updateRelease: (id, input) =>
      call({ action: `updating release ${id}`, permission: 'contents: write' }, async () =>
        toRelease((await client.rest.repos.updateRelease({ owner, repo, release_id: id, ...input })).data),
      ),

    listReleaseAssets: (releaseId) =>
      call({ action: `listing the assets of release ${releaseId}`, permission: 'contents: read' }, async () =>
        (await client.paginate(client.rest.repos.listReleaseAssets, { owner, repo, release_id: releaseId, per_page: 100 })).map(toAsset),
      ),

    downloadReleaseAsset: (assetId) =>
      call({ action: `downloading release asset ${assetId}`, permission: 'contents: read' }, async () => {
        const response = await client.rest.repos.getReleaseAsset({ owner, repo, asset_id: assetId, headers: { accept: 'application/octet-stream' } });
        return toBuffer(response.data);
      }),

    uploadReleaseAsset: (release, input) =>
      call({ action: `uploading ${input.name} to release ${release.tag}`, permission: 'contents: write' }, async () => {
        // upload_url is a URI template on another origin (uploads.github.com, or /api/uploads on GHES).
        const template = release.uploadUrl.replace(/\{[^}]*\}$/, '');
        const at = template.indexOf('/repos/');
        if (at < 0) throw new TypeError(`unexpected upload_url ${release.uploadUrl}`);
        const { data } = await client.rest.repos.uploadReleaseAsset({
          owner,
          repo,
          release_id: release.id,
          name: input.name,
          baseUrl: template.slice(0, at),
          // Octokit types the body as a string, but sends any fetch body as is.
          data: input.content as unknown as string,
          headers: { 'content-type': input.contentType, 'content-length': input.content.length },
        });
        return toAsset(data);
      }),

    deleteReleaseAsset: async (assetId) => {
      await callOrMissing({ action: `deleting release asset ${assetId}`, permission: 'contents: write' }, () =>
        client.rest.repos.deleteReleaseAsset({ owner, repo, asset_id: assetId }),
      );
    },
  };
}
