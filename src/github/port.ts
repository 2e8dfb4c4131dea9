/**
 * Everything lockstep asks of GitHub, in lockstep's words. Stages depend on this interface only, so
 * their decisions are tested without HTTP and the Octokit adapter (`octokitPort.ts`) stays the one
 * place that knows REST routes, pagination and permissions.
 */

export interface RepositoryName {
  owner: string;
  repo: string;
}

export interface PullRequestInfo {
  number: number;
  state: 'open' | 'closed';
  merged: boolean;
  /** The commit the merge made on the base branch; absent until merged. */
  mergeCommitSha?: string | null;
  title: string;
  body: string;
  author: string;
  headRef: string;
  headSha: string;
  baseRef: string;
  baseSha: string;
  labels: string[];
  url: string;
}

export interface IssueCommentInfo {
  id: number;
  body: string;
  author: string;
  url: string;
}

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

export interface ReviewInfo {
  id: number;
  /** null for a deleted account ("ghost"). */
  reviewer: string | null;
  /** GitHub's account type: `Bot` for apps and their `[bot]` accounts. */
  reviewerType?: string;
  state: ReviewState;
  /** The head commit the review was given on; null when GitHub no longer knows it. */
  commitId: string | null;
  submittedAt: string | null;
}

export interface FileAtRef {
  /** The raw bytes of the file. */
  content: Buffer;
  /** The git blob object name. */
  blobSha: string;
}

export interface ReleaseInfo {
  id: number;
  tag: string;
  name: string | null;
  body: string;
  draft: boolean;
  prerelease: boolean;
  url: string;
  uploadUrl: string;
}

export interface ReleaseAssetInfo {
  id: number;
  name: string;
  size: number;
  url: string;
}

export interface LabelSpec {
  name: string;
  color: string;
  description: string;
}

export interface GitHubPort {
  readonly repository: RepositoryName;

  /**
   * The login GitHub shows as the author of what this token writes: the user of a personal token,
   * or `<app-slug>[bot]` for an App installation token (GITHUB_TOKEN is github-actions[bot]).
   */
  whoAmI(): Promise<string>;

  getPullRequest(number: number): Promise<PullRequestInfo>;
  /** The pull requests a commit belongs to: for a merge commit, the pull request it merged. */
  listPullRequestsForCommit(sha: string): Promise<PullRequestInfo[]>;
  /** Open pull requests from `head` (a branch of this repository) into `base`. */
  findOpenPullRequests(head: string, base: string): Promise<PullRequestInfo[]>;
  createPullRequest(input: { head: string; base: string; title: string; body: string }): Promise<PullRequestInfo>;
  updatePullRequest(number: number, input: { title: string; body: string }): Promise<PullRequestInfo>;

  listIssueComments(number: number): Promise<IssueCommentInfo[]>;
  createIssueComment(number: number, body: string): Promise<IssueCommentInfo>;
  updateIssueComment(id: number, body: string): Promise<IssueCommentInfo>;
  deleteIssueComment(id: number): Promise<void>;

  listReviews(number: number): Promise<ReviewInfo[]>;
  /** Whether the user may push to the repository (GitHub's `admin` or `write`, which covers `maintain`). */
  hasWriteAccess(login: string): Promise<boolean>;

  /** Creates the label when it does not exist; an existing label is left as its owners made it. */
  ensureLabel(label: LabelSpec): Promise<'created' | 'exists'>;
  addLabels(number: number, labels: string[]): Promise<void>;
  removeLabel(number: number, label: string): Promise<void>;

  /** A file at a ref (branch, tag or commit); null when the file (not the ref) does not exist. */
  readFile(path: string, ref: string): Promise<FileAtRef | null>;
  /** The commit a branch points at. */
  getBranchHead(branch: string): Promise<string>;
  /** Commits one file on top of `parent` and moves the branch there only if that is a fast-forward. */
  commitFile(input: { branch: string; parent: string; path: string; content: Buffer; message: string }): Promise<{ commit: string } | { moved: true }>;

  /** The commit a tag points at (annotated tags are followed), or null when there is no such tag. */
  getTagCommit(tag: string): Promise<string | null>;
  createTag(tag: string, commit: string): Promise<void>;

  getReleaseByTag(tag: string): Promise<ReleaseInfo | null>;
  listReleases(): Promise<ReleaseInfo[]>;
  createRelease(input: { tag: string; commit: string; name: string; body: string; prerelease: boolean }): Promise<ReleaseInfo>;
  updateRelease(id: number, input: { name: string; body: string }): Promise<ReleaseInfo>;
  listReleaseAssets(releaseId: number): Promise<ReleaseAssetInfo[]>;
  downloadReleaseAsset(assetId: number): Promise<Buffer>;
  uploadReleaseAsset(release: ReleaseInfo, input: { name: string; content: Buffer; contentType: string }): Promise<ReleaseAssetInfo>;
  deleteReleaseAsset(assetId: number): Promise<void>;
}

/** What a GitHub stage is given: the port, and where to say what it is doing. */
export interface GitHubDeps {
  github: GitHubPort;
  progress?: (line: string) => void;
}
