import { readFileSync } from 'node:fs';
import type { GithubConfig } from '../config/github.js';
import { InputError } from '../errors.js';
import { createGitHubClient } from './client.js';
import { octokitPort } from './octokitPort.js';
import type { GitHubPort, RepositoryName } from './port.js';
import { resolveApiUrl, resolveRepository } from './settings.js';

export interface ConnectOptions {
  /** The environment variable holding the token (never the token itself). */
  tokenEnv: string;
  apiUrl?: string;
  config: GithubConfig;
  /** Where the repository setting came from, for the error message. */
  configFile: string;
  env?: NodeJS.ProcessEnv;
  onNotice?: (message: string) => void;
  /** Another repository than the orchestrator's (a GitOps config repository). */
  repository?: RepositoryName;
}

function userAgent(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return `lockstep/${manifest.version}`;
}

/** The GitHubPort for a CLI run: token from the environment, repository and API root from flags, env, config. */
export function connectGitHub(options: ConnectOptions): GitHubPort {
  const env = options.env ?? process.env;
  const token = env[options.tokenEnv];
  if (!token) {
    throw new InputError('environment', options.tokenEnv, 'is not set: it must hold the GitHub token (or name another variable with --token-env)');
  }
  const repository = options.repository ?? resolveRepository(options.config, options.configFile, env);
  const apiUrl = resolveApiUrl(options.apiUrl, options.config, env);
  const client = createGitHubClient({ token, apiUrl, requests: options.config.requests, userAgent: userAgent(), onNotice: options.onNotice });
  return octokitPort(client, repository);
}
