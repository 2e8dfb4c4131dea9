import { InvalidArgumentError } from 'commander';

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

/** Names of environment variables holding secrets: the value never appears on a command line. */
export function envVarName(value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(value)) throw new InvalidArgumentError('must be an environment variable name');
  return value;
}
