import { githubRequestsConfig } from '../config/github.js';
import { InputError } from '../errors.js';
import { createGitHubClient } from '../github/client.js';
import { checkSetup, type Finding } from './githubSetup.js';
import { readSetupFacts } from './readSetupFacts.js';
import { originRepository } from './runInit.js';

export interface SetupCheckOptions {
  dir: string;
  repository?: string;
  appSlug: string;
  /** The environment variable holding the token (never the token itself). */
  tokenEnv: string;
  apiUrl?: string;
  env?: NodeJS.ProcessEnv;
}

export interface SetupCheckResult {
  owner: string;
  repo: string;
  findings: Finding[];
}

/** `lockstep init --check`: the repository's GitHub settings against what the workflows need. */
export async function runSetupCheck(options: SetupCheckOptions): Promise<SetupCheckResult> {
  const env = options.env ?? process.env;
  const token = env[options.tokenEnv];
  if (!token) throw new InputError('environment', options.tokenEnv, 'is not set: it must hold a GitHub token of a repository admin (or name another variable with --token-env)');
  const repository = options.repository ?? env.GITHUB_REPOSITORY ?? (await originRepository(options.dir));
  if (!repository) throw new InputError('command line', '--repository', 'is needed: the origin remote names no GitHub repository');
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) throw new InputError('environment', 'GITHUB_REPOSITORY', 'must be owner/name');
  const [owner, repo] = repository.split('/') as [string, string];
  const client = createGitHubClient({
    token,
    apiUrl: options.apiUrl ?? env.GITHUB_API_URL,
    requests: githubRequestsConfig.parse({}),
    userAgent: 'lockstep-init',
  });
  const facts = await readSetupFacts(client, { owner, repo, appSlug: options.appSlug });
  return { owner, repo, findings: checkSetup(facts) };
}
