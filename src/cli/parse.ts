import { InvalidArgumentError } from 'commander';
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
