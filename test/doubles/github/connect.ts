import { githubRequestsConfig, type GithubRequestsConfig } from '../../../src/config/github.js';
import { createGitHubClient } from '../../../src/github/client.js';
import { octokitPort } from '../../../src/github/octokitPort.js';
import type { GitHubPort } from '../../../src/github/port.js';
import type { GitHubDouble } from './server.js';

/** Request settings for tests: the same code paths, with waits in milliseconds instead of seconds. */
export const fastRequests: GithubRequestsConfig = githubRequestsConfig.parse({
  retries: 3,
  retryDelayMs: 5,
  maxRateLimitWaitSeconds: 5,
  writeIntervalMs: 0,
  timeoutMs: 10_000,
});

/** The production Octokit client and port, pointed at the double. */
export function portFor(double: GitHubDouble, options: { token?: string; requests?: Partial<GithubRequestsConfig>; notices?: string[] } = {}): GitHubPort {
  const client = createGitHubClient({
    token: options.token ?? double.token,
    apiUrl: double.apiUrl,
    requests: { ...fastRequests, ...options.requests },
    userAgent: 'lockstep-test',
    onNotice: (message) => options.notices?.push(message),
  });
  return octokitPort(client, { owner: double.owner, repo: double.repo });
}
