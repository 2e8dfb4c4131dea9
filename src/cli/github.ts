import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { defaultConfigFile } from '../defaults.js';
import { loadGithubConfig } from '../github/settings.js';
import { readLock } from '../lock/read.js';
import { connectGitHub } from './heavyAdapters.js';
import { progress } from './output.js';

// What the commands talking to GitHub share: the config section, the connection, a local lock to compare.

export interface GitHubFlags {
  tokenEnv: string;
  apiUrl?: string;
}

/** The config file and whether it was named explicitly (a missing default file is allowed). */
export function configChoice(command: Command): { file: string; explicit: boolean } {
  let root = command;
  while (root.parent) root = root.parent;
  return { file: String(root.opts().config ?? defaultConfigFile), explicit: root.getOptionValueSource('config') === 'cli' };
}

/** Loads the `github` config section and connects (Octokit loads here, on first use). */
export async function gitHubContext(command: Command, flags: GitHubFlags) {
  const choice = configChoice(command);
  const config = await loadGithubConfig(choice.file, choice.explicit);
  const github = await connectGitHub({ tokenEnv: flags.tokenEnv, apiUrl: flags.apiUrl, config, configFile: choice.file, onNotice: progress });
  return { config, github, deps: { github, progress } };
}

/** A lock file given on the command line, kept with its bytes for byte-for-byte comparisons. */
export async function readLocalLock(file: string) {
  const lock = await readLock(file);
  return { state: 'valid' as const, label: file, lock, bytes: await readFile(file) };
}
