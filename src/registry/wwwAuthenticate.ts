/** One challenge of a `WWW-Authenticate` header (RFC 7235): a scheme and its parameters. */
export interface AuthChallenge {
  /** Lower-cased: `basic`, `bearer`, ... */
  scheme: string;
  /** Parameter names lower-cased; values unquoted. */
  params: Record<string, string>;
}

const tokenChars = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
// A value is a quoted string or a bare word; a bare "=" after a name is token68 padding, not a value.
const paramPattern = new RegExp(`^(${tokenChars})\\s*=\\s*("(?:[^"\\\\]|\\\\.)*"?|[^\\s",=][^\\s",]*)\\s*$`, 's');
const schemePattern = new RegExp(`^(${tokenChars})(?:\\s+(.*))?$`, 's');

/**
 * Parses a `WWW-Authenticate` header value into its challenges. Registries send e.g.
 * `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`; quoted
 * values may hold commas and escaped quotes, and one header may carry several challenges.
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  const challenges: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  for (const raw of splitOutsideQuotes(header)) {
    const element = raw.trim();
    if (element === '') continue;
    const [, name, value = ''] = paramPattern.exec(element) ?? [];
    if (name !== undefined) {
      if (current) current.params[name.toLowerCase()] = unquote(value.trim());
      continue;
    }
    const [, scheme, rest] = schemePattern.exec(element) ?? [];
    if (scheme === undefined) {
      current = undefined;
      continue;
    }
    current = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(current);
    // After the scheme comes either the first parameter or token68 credentials, which carry nothing we use.
    const [, firstName, firstValue = ''] = (rest === undefined ? null : paramPattern.exec(rest.trim())) ?? [];
    if (firstName !== undefined) current.params[firstName.toLowerCase()] = unquote(firstValue.trim());
  }
  return challenges;
}

function splitOutsideQuotes(text: string): string[] {
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted && char === '\\') index += 1;
    else if (char === '"') quoted = !quoted;
    else if (char === ',' && !quoted) {
      parts.push(text.slice(start, index));
      start = index + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

function unquote(value: string): string {
  if (!value.startsWith('"')) return value;
  let out = '';
  for (let index = 1; index < value.length; index += 1) {
    const char = value[index]!;
    if (char === '"') break;
    if (char === '\\' && index + 1 < value.length) {
      index += 1;
      out += value[index];
    } else out += char;
  }
  return out;
}
