import { z } from 'zod';

// Owned by the GitHub stages.
export const githubConfig = z
  .strictObject({
    repository: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'must be owner/name')
      .optional()
      .describe('The orchestrator repository on GitHub; defaults to GITHUB_REPOSITORY.'),
  })
  .describe('GitHub automation: comments, the lock commit, promotion pull requests, the review gate, releases.');

export type GithubConfig = z.output<typeof githubConfig>;
