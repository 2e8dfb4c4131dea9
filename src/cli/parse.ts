import { InvalidArgumentError } from 'commander';
import { hasUrlCredentials, noCredentialsInUrl } from '../config/fields.js';
import { tagTemplate } from '../config/services.js';
import { InputError } from '../errors.js';

/** commander argument parsers that fail with a message naming the flag (commander adds the flag). */
export function positiveInt(value: string): number {
  if (!/^[1-9][0-9]{0,8}$/.test(value)) throw new InvalidArgumentError('must be a positive whole number');
  return Number(value);
}

export function durationMs(value: string): number {
  const match = /^([0-9]{1,7})(ms|s|m)?$/.exec(value);
  if (!match) throw new InvalidArgumentError('must be a duration such as 500ms, 30s or 5m');
  const amount = Number(match[1]);
  const unit = match[2] ?? 's';
  return unit === 'ms' ? amount : unit === 's' ? amount * 1000 : amount * 60_000;
}

export function commaList(value: string): string[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
  if (items.length === 0) throw new InvalidArgumentError('must name at least one item');
  return items;
}

/**
 * Names of environment variables holding secrets: the value never appears on a command line. Someone
 * who passes the secret itself by mistake must not see it echoed into a CI log, so the refusal never
 * repeats what was given, and a name that looks like a token (GitHub's prefixes, or a long mix of
 * upper case, lower case and digits) is refused too. (`--token-env` is the one flag taking such a name.)
 */
export function envVarName(value: string): string {
  const looksLikeToken =
    /^(gh[pousr]_|github_pat_)/.test(value) || (value.length >= 24 && /[a-z]/.test(value) && /[A-Z]/.test(value) && /[0-9]/.test(value));
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(value) || looksLikeToken) {
    throw new InputError(
      '--token-env',
      undefined,
      `takes the name of an environment variable, such as GITHUB_TOKEN, not a secret (what was given is not repeated here${looksLikeToken ? ': it looks like a token' : ''})`,
    );
  }
  return value;
}

/** A branch name GitHub accepts (git check-ref-format, simplified to what lockstep needs). */
export function branchName(value: string): string {
  if (!/^[A-Za-z0-9._/-]{1,200}$/.test(value) || value.startsWith('-') || value.startsWith('/') || value.endsWith('/') || value.includes('..') || value.endsWith('.lock')) {
    throw new InvalidArgumentError('must be a branch name such as staging');
  }
  return value;
}

export function fullCommit(value: string): string {
  if (!/^[0-9a-f]{40}$/.test(value)) throw new InvalidArgumentError('must be a full 40-hex-digit commit');
  return value;
}

export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('must be an http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new InvalidArgumentError('must be an http(s) URL');
  if (hasUrlCredentials(value)) throw new InvalidArgumentError(noCredentialsInUrl);
  return value;
}

/** A GitHub repository as owner/name. */
export function repositoryName(value: string): string {
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(value)) throw new InvalidArgumentError('must be owner/name');
  return value;
}

/** An image tag template ({commit}, {shortCommit}). */
export function tagTemplateValue(value: string): string {
  const parsed = tagTemplate.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(parsed.error.issues[0]?.message ?? 'must be a tag template');
  return value;
}
