import { LockstepError } from '../errors.js';
import type { RepositoryName } from './port.js';

/** Workflow `permissions:` keys as a job declares them. */
export type Permission = 'metadata: read' | 'contents: read' | 'contents: write' | 'pull-requests: read' | 'pull-requests: write' | 'issues: write';

export interface Attempt {
  /** What lockstep was doing, as a phrase: "reading pull request #12". */
  action: string;
  /** The token permission this call needs. */
  permission: Permission;
}

/** The shape of an Octokit RequestError, without depending on the class (it crosses package copies). */
interface HttpFailure {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, unknown>; data?: unknown };
  name?: unknown;
}

/**
 * GitHub's `x-accepted-github-permissions` lists the permission sets that would have allowed the call
 * (`contents=write; pull_requests=write`, sets separated by ";"); it is rendered the way a workflow's
 * `permissions:` block spells them.
 */
export function acceptedPermissions(header: unknown): string[] {
  if (typeof header !== 'string' || header.trim() === '') return [];
  return header
    .split(';')
    .map((set) =>
      set
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.includes('='))
        .map((item) => {
          const [name, level] = item.split('=');
          return `${(name ?? '').trim().replace(/_/g, '-')}: ${(level ?? '').trim()}`;
        })
        .join(' + '),
    )
    .filter((set) => set.length > 0);
}

function header(failure: HttpFailure, name: string): unknown {
  return failure.response?.headers?.[name];
}

function gitHubMessage(failure: HttpFailure): string {
  const data = failure.response?.data as { message?: unknown; errors?: unknown } | undefined;
  const parts: string[] = [];
  if (data && typeof data.message === 'string') parts.push(data.message);
  if (data && Array.isArray(data.errors)) {
    for (const item of data.errors as Array<Record<string, unknown>>) {
      const text = [item.resource, item.field, item.code, item.message].filter((value) => typeof value === 'string').join(' ');
      if (text) parts.push(text);
    }
  }
  if (parts.length === 0 && typeof failure.message === 'string') parts.push(failure.message.split('\n')[0] ?? '');
  return parts.join('; ');
}

/**
 * Turns whatever an Octokit call threw into a LockstepError saying what failed and what to do: a 403 or
 * 404 names the permission the job's token needs, since that is by far the usual cause in workflows.
 */
export function githubFailure(error: unknown, attempt: Attempt, repository: RepositoryName): LockstepError {
  if (error instanceof LockstepError) return error;
  const failure = (typeof error === 'object' && error !== null ? error : {}) as HttpFailure;
  const status = typeof failure.status === 'number' ? failure.status : undefined;
  const where = `${repository.owner}/${repository.repo}`;
  const message = gitHubMessage(failure);
  const accepted = acceptedPermissions(header(failure, 'x-accepted-github-permissions'));
  const needs = accepted.length > 0 ? accepted.map((set) => `\`${set}\``).join(' or ') : `\`${attempt.permission}\``;
  const grant = `give the token ${needs} on ${where} (in a workflow: \`permissions:\` of the job)`;

  // Octokit reports a request that never got an answer as a 500 without a response.
  if (status === undefined || (status === 500 && failure.response === undefined)) {
    const timedOut = failure.name === 'AbortError' || failure.name === 'TimeoutError' || /abort|timeout/i.test(message);
    return new LockstepError('GITHUB', `${attempt.action}: ${timedOut ? 'the request timed out' : `GitHub could not be reached (${message || 'network error'})`}`, {
      cause: error,
      hint: timedOut ? 'raise github.requests.timeoutMs or retry' : 'check --api-url / GITHUB_API_URL and the network',
    });
  }
  if (status === 401) {
    return new LockstepError('GITHUB', `${attempt.action}: GitHub refused the token (401 ${message || 'Bad credentials'})`, {
      cause: error,
      hint: 'the token is invalid or expired; check the variable named by --token-env (default GITHUB_TOKEN)',
    });
  }
  const rateLimited = header(failure, 'x-ratelimit-remaining') === '0' || /rate limit/i.test(message);
  if ((status === 403 || status === 429) && rateLimited) {
    return new LockstepError('GITHUB', `${attempt.action}: GitHub's rate limit still refuses the request (${status}: ${message})`, {
      cause: error,
      hint: 'rerun later: every lockstep command converges when run again; github.requests.maxRateLimitWaitSeconds bounds the waits',
    });
  }
  if (status === 403) {
    return new LockstepError('GITHUB', `${attempt.action}: permission denied on ${where} (403: ${message}); the token needs ${needs}`, {
      cause: error,
      hint: grant,
    });
  }
  if (status === 404) {
    return new LockstepError('GITHUB', `${attempt.action}: not found on ${where} (404); it does not exist or the token cannot see it (needs ${needs})`, {
      cause: error,
      hint: grant,
    });
  }
  if (status >= 500) {
    return new LockstepError('GITHUB', `${attempt.action}: GitHub failed (${status}: ${message || 'server error'}) and kept failing after retries`, {
      cause: error,
      hint: 'rerun later: every lockstep command converges when run again',
    });
  }
  return new LockstepError('GITHUB', `${attempt.action}: GitHub rejected the request (${status}: ${message})`, { cause: error });
}
