import { interpolateString, InterpolationError, type Environment } from './interpolate.js';

/**
 * Compose's `.env` format, for the project's `.env` (or `--env-file`) and for `env_file:` entries:
 * `KEY=value` lines, an optional `export `, `#` comments, single quotes taken literally, double quotes
 * with `\n`-style escapes, and `${VAR}` in unquoted and double-quoted values, looked up in the keys
 * above first and then in `lookup`. A bare `KEY` takes its value from `lookup` and is left out when
 * unset.
 */
export class DotenvError extends Error {
  override readonly name = 'DotenvError';

  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const keyPattern = /^(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*(?:([=:])[ \t]*)?/;

export function parseDotenv(text: string, lookup: Environment): Map<string, string> {
  const out = new Map<string, string>();
  const scope: Environment = new Proxy(Object.create(null) as Record<string, string | undefined>, {
    get: (_target, name) => (typeof name === 'string' ? (out.get(name) ?? lookup[name]) : undefined),
  });
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const lineNumber = index + 1;
    const line = lines[index]!.trimStart();
    if (line === '' || line.startsWith('#')) continue;
    const match = keyPattern.exec(line);
    if (!match) throw new DotenvError(lineNumber, `is not KEY=value: ${JSON.stringify(line.slice(0, 40))}`);
    const key = match[1]!;
    if (!match[2]) {
      if (line.slice(match[0].length).trim() !== '') throw new DotenvError(lineNumber, `is not KEY=value: ${JSON.stringify(line.slice(0, 40))}`);
      const inherited = lookup[key];
      if (inherited !== undefined) out.set(key, inherited);
      continue;
    }
    let rest = line.slice(match[0].length);
    const quote = rest[0];
    if (quote === "'" || quote === '"') {
      // A quoted value may span lines up to its closing quote.
      let body = rest.slice(1);
      let close = closingQuote(body, quote);
      while (close < 0 && index + 1 < lines.length) {
        index += 1;
        body += `\n${lines[index]}`;
        close = closingQuote(body, quote);
      }
      if (close < 0) throw new DotenvError(lineNumber, `${key}: the ${quote === '"' ? 'double' : 'single'} quote is never closed`);
      const raw = body.slice(0, close);
      out.set(key, quote === "'" ? raw : expand(unescape(raw), scope, lineNumber));
      continue;
    }
    rest = rest.replace(/(^|[ \t])#.*$/, '').trim();
    out.set(key, expand(rest, scope, lineNumber));
  }
  return out;
}

function closingQuote(body: string, quote: string): number {
  for (let index = 0; index < body.length; index += 1) {
    if (quote === '"' && body[index] === '\\') index += 1;
    else if (body[index] === quote) return index;
  }
  return -1;
}

function unescape(text: string): string {
  return text.replace(/\\(.)/g, (_all, char: string) => ({ n: '\n', r: '\r', t: '\t' })[char] ?? char);
}

function expand(text: string, scope: Environment, line: number): string {
  try {
    return interpolateString(text, scope);
  } catch (error) {
    if (error instanceof InterpolationError) throw new DotenvError(line, error.message);
    throw error;
  }
}
