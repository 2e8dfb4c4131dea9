import { access } from 'node:fs/promises';
import { hasUrlCredentials, noCredentialsInUrl } from '../config/fields.js';
import { githubConfig, type GithubConfig } from '../config/github.js';
import { loadConfig } from '../config/load.js';
import { InputError } from '../errors.js';
import type { RepositoryName } from './port.js';

/**
 * The `github` section of the config. GitHub commands also run where no config file exists (a job that
 * only comments): the default file may be missing, a file named with --config may not.
 */
export async function loadGithubConfig(file: string, explicit: boolean): Promise<GithubConfig> {
  if (!explicit) {
    try {
      await access(file);
    } catch {
      return githubConfig.parse({});
    }
  }
  return (await loadConfig(file)).github;
}

export function resolveRepository(config: GithubConfig, configFile: string, env: NodeJS.ProcessEnv = process.env): RepositoryName {
  const value = config.repository ?? env.GITHUB_REPOSITORY;
  if (!value) throw new InputError(configFile, 'github.repository', 'is not set and GITHUB_REPOSITORY is empty: lockstep needs owner/name');
  const [, owner, repo] = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(value) ?? [];
  if (owner === undefined || repo === undefined) throw new InputError('environment', 'GITHUB_REPOSITORY', 'must be owner/name');
  return { owner, repo };
}

export function resolveApiUrl(flag: string | undefined, config: GithubConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const [source, value] =
    flag !== undefined ? ['--api-url', flag] : env.GITHUB_API_URL ? ['GITHUB_API_URL', env.GITHUB_API_URL] : ['github.apiUrl', config.apiUrl];
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InputError(source, undefined, 'must be an http(s) URL such as https://github.example.com/api/v3');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InputError(source, undefined, 'must be an http(s) URL');
  if (hasUrlCredentials(value)) throw new InputError(source, undefined, noCredentialsInUrl);
  return value;
}
