/**
 * How the dagger CLI (v0.21) names and parses things, for checking `dagger call` lines offline.
 *
 * Global flags: every dagger subcommand inherits these (from `dagger --help` of v0.21.9), and
 * `dagger call` adds its own; a function argument of the same name fails the call with "flag
 * already exists". Short forms are listed because they clash the same way.
 */
export const daggerGlobalFlags = [
  'lock', 'progress', 'model', 'mod', 'm', 'debug', 'd', 'silent', 's', 'quiet', 'q', 'verbose', 'v', 'web', 'w',
  'interactive', 'i', 'interactive-command', 'command', 'c', 'allow-llm', 'auto-apply', 'eager-runtime', 'no-exit',
  'no-mod', 'M', 'x-release', 'help', 'h', 'workdir', 'cloud',
];
export const daggerCallFlags = ['json', 'j', 'output', 'o'];

/**
 * The engine's strcase, as the CLI shows names: words split at a lower-to-upper change, at a
 * letter-digit change, and inside a run of capitals before a lower-case letter; then kebab-cased.
 * `e2eTest` becomes `e-2-e-test`, `runURL` `run-url`.
 */
export function strcaseKebab(name: string): string {
  return name
    .replace(/([a-z])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .replace(/([A-Za-z])(\d)/g, '$1-$2')
    .replace(/(\d)([A-Za-z])/g, '$1-$2')
    .toLowerCase();
}

export interface DaggerCallLine {
  /** Where it was found: file:line. */
  at: string;
  words: string[];
}

/** The flags a Directory, File or Container result takes when a call line chains a core function. */
export const coreChains: Record<string, string[]> = {
  export: ['path', 'wipe', 'allow-parent-dir-path'],
  contents: [],
  entries: [],
  name: [],
  sync: [],
  stdout: [],
  file: ['path'],
  directory: ['path'],
  terminal: [],
};

/** Splits a shell-ish line into words, dropping quotes; `${X:+words}` counts as its words. */
export function words(line: string): string[] {
  // A GitHub expression is one value.
  const expanded = line.replace(/\$\{\{[^}]*\}\}/g, 'EXPRESSION').replace(/\$\{\w+:\+([^}]*)\}/g, '$1');
  return [...expanded.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((match) => match[1] ?? match[2] ?? match[3]!);
}

/** The `dagger call ...` (or `dagger -m X call ...`) lines of a markdown or text file. */
export function callLinesIn(text: string, file: string): DaggerCallLine[] {
  const lines: DaggerCallLine[] = [];
  text.split('\n').forEach((line, index) => {
    // In prose, a call sits inside backticks; in a code block, it is the whole line.
    const candidates = [...line.matchAll(/`([^`]*\bdagger\b[^`]*\bcall\b[^`]*)`/g)].map((match) => match[1]!);
    if (candidates.length === 0 && /^\s*(\$\s+)?dagger\s/.test(line)) candidates.push(line.replace(/^\s*\$\s+/, '').replace(/\s+#.*$/, ''));
    for (const candidate of candidates) {
      const split = words(candidate.replace(/\\$/, ''));
      const callAt = split.indexOf('call');
      if (split[0] !== 'dagger' || callAt < 0) continue;
      lines.push({ at: `${file}:${index + 1}`, words: split.slice(callAt + 1) });
    }
  });
  return lines;
}
