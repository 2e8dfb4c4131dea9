import { z } from 'zod';
import { confinedPath, hasUrlCredentials, noCredentialsInUrl } from './fields.js';

// Owned by the GitHub stages.
export const githubRequestsConfig = z
  .strictObject({
    retries: z.number().int().min(0).max(10).default(3).describe('Retries of a request answered 5xx (or 429), and of one hitting a rate limit.'),
    retryDelayMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(1000)
      .describe('Wait before the first retry of a 5xx; the n-th retry waits n² times this.'),
    maxRateLimitWaitSeconds: z
      .number()
      .int()
      .min(0)
      .max(3600)
      .default(60)
      .describe('A rate limit asking to wait longer than this fails the command instead of blocking the job.'),
    writeIntervalMs: z
      .number()
      .int()
      .min(0)
      .max(10_000)
      .default(1000)
      .describe("Gap between two writes (GitHub's advice against secondary rate limits); writes that notify people wait three times this."),
    timeoutMs: z.number().int().min(100).max(300_000).default(30_000).describe('Timeout of one request.'),
  })
  .describe('How lockstep talks to the GitHub API.');

export const githubConfig = z
  .strictObject({
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name')
      .optional()
      .describe('The orchestrator repository on GitHub; defaults to GITHUB_REPOSITORY.'),
    apiUrl: z
      .url({ protocol: /^https?$/, message: 'must be an http(s) URL' })
      .refine((value) => !hasUrlCredentials(value), noCredentialsInUrl)
      .optional()
      .describe('The REST API root for GitHub Enterprise Server (https://HOST/api/v3); GITHUB_API_URL and --api-url take precedence.'),
    lockPath: confinedPath
      .default('locks/current.lock.yaml')
      .describe('Where the current lock lives in the orchestrator repository on each branch.'),
    releaseArchiveDir: confinedPath
      .default('locks/releases')
      .describe('Where archived release locks live (<dir>/<version>.lock.yaml); read when a previous release has no lock asset.'),
    appSlug: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,99}$/, 'must be a GitHub App slug (lower-case letters, digits, "-")')
      .optional()
      .describe(
        "The slug of the GitHub App whose token lockstep uses (create-github-app-token's app-slug output); its comments are lockstep's own. Defaults to LOCKSTEP_GITHUB_APP_SLUG, else github-actions (GITHUB_TOKEN).",
      ),
    labels: z
      .strictObject({
        release: z.string().min(1).max(50).default('automation:release-bump').describe('Label of a normal promotion pull request.'),
        hotfix: z.string().min(1).max(50).default('automation:hotfix').describe('Label of a promotion pull request whose lock is a hotfix.'),
      })
      .prefault({})
      .describe('Labels of the promotion pull requests (created when missing).'),
    requests: githubRequestsConfig.prefault({}),
  })
  .describe('GitHub automation: comments, the lock commit, promotion pull requests, the review gate, releases.');

export type GithubConfig = z.output<typeof githubConfig>;
export type GithubRequestsConfig = z.output<typeof githubRequestsConfig>;
