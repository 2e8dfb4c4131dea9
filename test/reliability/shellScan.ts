/**
 * A static check that no code path can hand a user-provided string to a shell: lockstep runs programs
 * with argument arrays only (src/exec/run.ts). It reports, per file and line:
 * - `shell: true` (or any non-false `shell:` option in a file that uses child_process),
 * - `exec` / `execSync` taken from child_process (they always run a shell), by import, require or
 *   dynamic import, and calls through a namespace (`cp.exec(...)`),
 * - `sh -c` / `bash -c` (also /bin/sh, zsh, dash, `-lc`) whose script is not one plain string literal:
 *   a template with `${...}`, a concatenation or a variable would put data into shell syntax.
 */
export interface ShellFinding {
  file: string;
  line: number;
  rule: 'shell-option' | 'exec-import' | 'exec-call' | 'shell-c-interpolated';
  text: string;
}

const childProcess = String.raw`['"](?:node:)?child_process['"]`;
const shellNames = String.raw`(?:\/bin\/|\/usr\/bin\/)?(?:ba|z|da|k)?sh`;

export function scanSource(file: string, source: string): ShellFinding[] {
  const code = stripComments(source);
  const findings: ShellFinding[] = [];
  const at = (index: number) => code.slice(0, index).split('\n').length;
  const add = (rule: ShellFinding['rule'], index: number, text: string) =>
    findings.push({ file, line: at(index), rule, text: text.replace(/\s+/g, ' ').trim().slice(0, 120) });

  const usesChildProcess = new RegExp(childProcess).test(code);
  for (const match of code.matchAll(/\bshell\s*:\s*([^,}\n]+)/g)) {
    const value = match[1]!.trim();
    if (value === 'true' || (usesChildProcess && value !== 'false')) add('shell-option', match.index, match[0]);
  }

  const bindings: string[] = [];
  const namespaces: string[] = [];
  const importForms = [
    new RegExp(String.raw`import\s*(?:type\s+)?\{([^}]*)\}\s*from\s*${childProcess}`, 'g'),
    new RegExp(String.raw`\{([^}]*)\}\s*=\s*(?:await\s+import|require)\s*\(\s*${childProcess}\s*\)`, 'g'),
  ];
  for (const form of importForms) {
    for (const match of code.matchAll(form)) {
      for (const part of match[1]!.split(',')) {
        const [imported, local] = part.split(/\s+as\s+|\s*:\s*/).map((name) => name.trim());
        if (imported === 'exec' || imported === 'execSync') add('exec-import', match.index, match[0]);
        else if (local) bindings.push(local);
      }
    }
  }
  const namespaceForms = [
    new RegExp(String.raw`import\s+\*\s+as\s+(\w+)\s+from\s*${childProcess}`, 'g'),
    new RegExp(String.raw`import\s+(\w+)\s+from\s*${childProcess}`, 'g'),
    new RegExp(String.raw`(?:const|let|var)\s+(\w+)\s*=\s*(?:await\s+import|require)\s*\(\s*${childProcess}\s*\)`, 'g'),
  ];
  for (const form of namespaceForms) for (const match of code.matchAll(form)) namespaces.push(match[1]!);
  for (const name of namespaces) {
    for (const match of code.matchAll(new RegExp(String.raw`\b${name}\s*\.\s*(exec|execSync)\s*\(`, 'g'))) add('exec-call', match.index, match[0]);
  }
  for (const match of code.matchAll(new RegExp(String.raw`(?:await\s+import|require)\s*\(\s*${childProcess}\s*\)\s*\)?\s*\.\s*(exec|execSync)\b`, 'g'))) {
    add('exec-call', match.index, match[0]);
  }

  const shellC = new RegExp(String.raw`['"\`]${shellNames}['"\`]\s*,\s*\[?\s*['"\`]-l?c['"\`]\s*,\s*`, 'g');
  for (const match of code.matchAll(shellC)) {
    const script = code.slice(match.index + match[0].length);
    if (!isPlainLiteral(script)) add('shell-c-interpolated', match.index, code.slice(match.index, match.index + match[0].length + 60));
  }
  return findings;
}

/** True when the text starts with one quoted string, without interpolation, not joined to anything. */
function isPlainLiteral(text: string): boolean {
  const quote = text[0];
  if (quote !== "'" && quote !== '"' && quote !== '`') return false;
  let index = 1;
  for (; index < text.length; index += 1) {
    const char = text[index];
    if (char === '\\') {
      index += 1;
      continue;
    }
    if (quote === '`' && char === '$' && text[index + 1] === '{') return false;
    if (char === quote) break;
  }
  const rest = text.slice(index + 1).trimStart();
  return rest.startsWith(',') || rest.startsWith(']') || rest.startsWith(')');
}

/** Comments may mention anything; only code counts. Strings are kept (a `//` inside a URL stays). */
function stripComments(source: string): string {
  let out = '';
  let index = 0;
  let quote: string | null = null;
  while (index < source.length) {
    const char = source[index]!;
    const next = source[index + 1];
    if (quote) {
      out += char;
      if (char === '\\') {
        out += next ?? '';
        index += 2;
        continue;
      }
      if (char === quote) quote = null;
      index += 1;
      continue;
    }
    if (char === '/' && next === '/') {
      while (index < source.length && source[index] !== '\n') index += 1;
      continue;
    }
    if (char === '/' && next === '*') {
      const end = source.indexOf('*/', index + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += source.slice(index, stop).replace(/[^\n]/g, ' ');
      index = stop;
      continue;
    }
    if (char === "'" || char === '"' || char === '`') quote = char;
    out += char;
    index += 1;
  }
  return out;
}
