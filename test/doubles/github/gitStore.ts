import { createHash } from 'node:crypto';

/**
 * The git side of the GitHub double: blobs, flat trees, commits, refs and annotated tags. Blob names are
 * real git object names (sha1 of "blob <size>\0<content>"), so they match what `git hash-object` says.
 */

export interface CommitObject {
  sha: string;
  treeSha: string;
  parents: string[];
  message: string;
  date: string;
}

export interface TagObject {
  sha: string;
  tag: string;
  object: { sha: string; type: 'commit' | 'tag' };
  message: string;
}

export function blobName(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

export class GitStore {
  readonly blobs = new Map<string, Buffer>();
  readonly trees = new Map<string, Map<string, string>>();
  readonly commits = new Map<string, CommitObject>();
  readonly refs = new Map<string, string>();
  readonly tags = new Map<string, TagObject>();
  private counter = 0;

  constructor(private readonly clock: () => string) {}

  putBlob(content: Buffer): string {
    const sha = blobName(content);
    this.blobs.set(sha, content);
    return sha;
  }

  /** Trees are flat maps path -> blob; their name is a digest of that map. */
  putTree(entries: Map<string, string>): string {
    const sorted = [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    const sha = createHash('sha1').update(`tree ${JSON.stringify(sorted)}`).digest('hex');
    this.trees.set(sha, new Map(sorted));
    return sha;
  }

  /**
   * Names a new commit. By default a digest of its fields; a test that keeps a real repository as this
   * one's twin names it as real git does, so both sides agree on every commit (test/system/story/repoTwin.ts).
   */
  mintCommitSha?: (commit: { tree: Map<string, string>; parents: string[]; message: string }) => string;

  putCommit(treeSha: string, parents: string[], message: string): CommitObject {
    this.counter += 1;
    const date = this.clock();
    const sha = this.mintCommitSha?.({ tree: this.trees.get(treeSha)!, parents, message }) ?? createHash('sha1').update(`commit ${treeSha} ${parents.join(',')} ${message} ${date} ${this.counter}`).digest('hex');
    const commit = { sha, treeSha, parents, message, date };
    this.commits.set(sha, commit);
    return commit;
  }

  /** A commit pushed from elsewhere, kept under its own name (`git push`). */
  importCommit(sha: string, files: Map<string, Buffer>, parents: string[], message: string): CommitObject {
    const entries = new Map([...files].map(([path, content]) => [path, this.putBlob(content)]));
    const commit = { sha, treeSha: this.putTree(entries), parents, message, date: this.clock() };
    this.commits.set(sha, commit);
    return commit;
  }

  /** Commits files (null deletes) on top of a branch, creating the branch from `from` when new. */
  commitFiles(branch: string, files: Record<string, string | Buffer | null>, message: string, from?: string): string {
    const parentSha = this.refs.get(`heads/${branch}`) ?? (from ? this.refs.get(`heads/${from}`) : undefined);
    const entries = new Map(parentSha ? this.trees.get(this.commits.get(parentSha)!.treeSha) : []);
    for (const [path, content] of Object.entries(files)) {
      if (content === null) entries.delete(path);
      else entries.set(path, this.putBlob(Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8')));
    }
    const commit = this.putCommit(this.putTree(entries), parentSha ? [parentSha] : [], message);
    this.refs.set(`heads/${branch}`, commit.sha);
    return commit.sha;
  }

  /** A commit from a branch, tag or commit name, as the contents API resolves `ref`. */
  resolve(ref: string): CommitObject | undefined {
    if (this.commits.has(ref)) return this.commits.get(ref);
    const name = ref.replace(/^refs\//, '');
    const direct = this.refs.get(name) ?? this.refs.get(`heads/${name}`) ?? this.refs.get(`tags/${name}`);
    if (!direct) return undefined;
    return this.commits.get(this.peel(direct));
  }

  /** Follows annotated tags to the commit. */
  peel(sha: string): string {
    let current = sha;
    for (let depth = 0; this.tags.has(current) && depth < 10; depth += 1) current = this.tags.get(current)!.object.sha;
    return current;
  }

  fileAt(commit: CommitObject, path: string): { sha: string; content: Buffer } | undefined {
    const sha = this.trees.get(commit.treeSha)?.get(path);
    return sha ? { sha, content: this.blobs.get(sha)! } : undefined;
  }

  isAncestor(ancestor: string, descendant: string): boolean {
    const queue = [descendant];
    const seen = new Set<string>();
    while (queue.length > 0) {
      const sha = queue.shift()!;
      if (sha === ancestor) return true;
      if (seen.has(sha)) continue;
      seen.add(sha);
      queue.push(...(this.commits.get(sha)?.parents ?? []));
    }
    return false;
  }

  /** A best common ancestor of two commits: one that no other common ancestor descends from. */
  mergeBase(a: string, b: string): string | undefined {
    const ancestors = (sha: string) => {
      const seen = new Set<string>();
      const queue = [sha];
      while (queue.length > 0) {
        const next = queue.shift()!;
        if (seen.has(next)) continue;
        seen.add(next);
        queue.push(...(this.commits.get(next)?.parents ?? []));
      }
      return seen;
    };
    const ofA = ancestors(a);
    const common = [...ancestors(b)].filter((sha) => ofA.has(sha));
    return common.find((candidate) => !common.some((other) => other !== candidate && this.isAncestor(candidate, other)));
  }

  /**
   * The three-way merge of two commits' trees: per path, the side that changed it since the merge
   * base wins; both changing it differently is a conflict. Returns the tree's name, or the conflicts.
   */
  mergeTrees(ours: string, theirs: string): string | { conflicts: string[] } {
    const treeOf = (sha: string | undefined) => (sha ? this.trees.get(this.commits.get(sha)!.treeSha)! : new Map<string, string>());
    const [base, left, right] = [treeOf(this.mergeBase(ours, theirs)), treeOf(ours), treeOf(theirs)];
    const merged = new Map<string, string>();
    const conflicts: string[] = [];
    for (const path of new Set([...base.keys(), ...left.keys(), ...right.keys()])) {
      const [was, mine, their] = [base.get(path), left.get(path), right.get(path)];
      const chosen = mine === their || their === was ? mine : mine === was ? their : null;
      if (chosen === null) conflicts.push(path);
      else if (chosen !== undefined) merged.set(path, chosen);
    }
    return conflicts.length > 0 ? { conflicts: conflicts.sort() } : this.putTree(merged);
  }

  annotatedTag(tag: string, commitSha: string, message: string): string {
    const sha = createHash('sha1').update(`tag ${tag} ${commitSha} ${message}`).digest('hex');
    this.tags.set(sha, { sha, tag, object: { sha: commitSha, type: 'commit' }, message });
    this.refs.set(`tags/${tag}`, sha);
    return sha;
  }
}
