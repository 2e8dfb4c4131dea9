/**
 * The one redaction rule for everything lockstep says: messages, progress lines, errors, `--json`
 * output and run reports. Whatever path a credential took to get there (a URL someone pasted, a
 * program's stderr, an API's error body), it leaves as `***`.
 */

export const redacted = '***';

/** Values lockstep was handed as secrets in this process (the GitHub token, registry passwords). */
const known = new Set<string>();

/** Remembers a secret value so that it is redacted wherever it shows up later. */
export function registerSecret(value: string | undefined): void {
  // Short values would redact ordinary words; real tokens and passwords are longer.
  if (value && value.length >= 8) known.add(value);
}

/** Environment variables whose names say they hold a secret. */
const secretName = /(TOKEN|PASSWORD|PASSWD|SECRET|CREDENTIAL|PRIVATE_KEY|API_KEY|ACCESS_KEY)/i;

function environmentSecrets(env: NodeJS.ProcessEnv): string[] {
  // A value that is itself a variable name (TOKEN_ENV=GITHUB_TOKEN) names a secret, it is not one.
  return Object.entries(env).flatMap(([name, value]) => (value && value.length >= 8 && secretName.test(name) && !/^[A-Z_][A-Z0-9_]*$/.test(value) ? [value] : []));
}

const patterns: Array<[RegExp, string]> = [
  // Credentials in a URL: scheme://user:password@host, scheme://token@host.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@"'<>`]+@/gi, `$1${redacted}@`],
  // HTTP authorization values, as headers or curl-style flags.
  [/\b(authorization\s*[:=]\s*"?(?:bearer|basic|token)\s+)[^\s"',]+/gi, `$1${redacted}`],
  // Token shapes with a well-known prefix: GitHub, GitLab, Slack, npm, AWS access key ids.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|npm_[A-Za-z0-9]{36}|AKIA[0-9A-Z]{16})\b/g, redacted],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let result = text;
  for (const [pattern, replacement] of patterns) result = result.replace(pattern, replacement);
  const values = [...known, ...environmentSecrets(env)].sort((a, b) => b.length - a.length);
  for (const value of values) {
    if (result.includes(value)) result = result.replace(new RegExp(escapeRegExp(value), 'g'), redacted);
    // The same secret as Basic auth or inside JSON is still the secret.
    const encoded = Buffer.from(value).toString('base64');
    if (result.includes(encoded)) result = result.split(encoded).join(redacted);
  }
  return result;
}

/** Redacts every string inside a JSON-shaped value (a run report, a `--json` result). */
export function redactDeep<T>(value: T, env: NodeJS.ProcessEnv = process.env): T {
  if (typeof value === 'string') return redact(value, env) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item, env)) as T;
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactDeep(item, env)])) as T;
  }
  return value;
}
