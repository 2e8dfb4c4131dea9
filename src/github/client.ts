import { retry } from '@octokit/plugin-retry';
import { throttling } from '@octokit/plugin-throttling';
import { Octokit } from '@octokit/rest';
import Bottleneck from 'bottleneck';
import type { GithubRequestsConfig } from '../config/github.js';
import { outboundFetch } from '../net/fetch.js';
import { sharedOutbound } from '../net/outbound.js';

const LockstepOctokit = Octokit.plugin(retry, throttling);
export type GitHubClient = InstanceType<typeof LockstepOctokit>;

export interface GitHubClientOptions {
  token: string;
  /** The REST API root; GitHub.com when undefined. */
  apiUrl?: string;
  requests: GithubRequestsConfig;
  userAgent: string;
  /** Told about every wait (rate limits) and API deprecation, so a job log shows why it pauses. */
  onNotice?: (message: string) => void;
}

/**
 * The one place an Octokit is made. Server errors are retried with quadratic backoff; rate limits
 * (primary, secondary, 429) wait as GitHub asks, but never longer than the configured bound, so a job
 * fails with a clear message instead of hanging. Writes are spaced as GitHub advises.
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const { requests } = options;
  const spaced = (minTime: number) => new Bottleneck.Group({ maxConcurrent: 1, minTime });
  const shouldWait = (kind: string) => (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
    if (retryCount >= requests.retries) {
      options.onNotice?.(`GitHub ${kind} on ${request.method} ${request.url}: giving up after ${retryCount} retries`);
      return false;
    }
    if (retryAfter > requests.maxRateLimitWaitSeconds) {
      options.onNotice?.(`GitHub ${kind} on ${request.method} ${request.url}: asks to wait ${retryAfter}s, over the ${requests.maxRateLimitWaitSeconds}s bound`);
      return false;
    }
    options.onNotice?.(`GitHub ${kind} on ${request.method} ${request.url}: waiting ${retryAfter}s (retry ${retryCount + 1} of ${requests.retries})`);
    return true;
  };
  return new LockstepOctokit({
    auth: options.token,
    ...(options.apiUrl ? { baseUrl: options.apiUrl.replace(/\/+$/, '') } : {}),
    userAgent: options.userAgent,
    // Octokit logs every 4xx as an error, yet a 404 is often the answer we asked for (no such label yet);
    // failures reach the user through githubFailure instead. Deprecation warnings still show.
    log: { debug: ignore, info: ignore, warn: (message: string) => options.onNotice?.(message), error: ignore },
    request: { fetch: fetchWithTimeout(requests.timeoutMs) },
    // Rate-limit answers (403/429) belong to the throttling plugin, which reads retry-after and the reset time.
    retry: { retries: requests.retries, retryAfterBaseValue: requests.retryDelayMs, doNotRetry: [400, 401, 403, 404, 409, 410, 422, 429, 451] },
    throttle: {
      id: 'lockstep',
      write: spaced(requests.writeIntervalMs),
      notifications: spaced(requests.writeIntervalMs * 3),
      onRateLimit: shouldWait('rate limit'),
      onSecondaryRateLimit: shouldWait('secondary rate limit'),
    },
  });
}

function ignore(): void {}

/** Through the shared Outbound, so HTTPS_PROXY/NO_PROXY and private CAs apply to GitHub as to registries. */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  const send = outboundFetch(sharedOutbound());
  return (input, init) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    return send(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
}
