import { parse } from 'yaml';

/**
 * TAP 13/14 as Node's test runner prints it (`--test-reporter=tap`): subtests are indented by four
 * spaces and announced before their result; each result may carry a YAML diagnostic block. Reduced
 * to test cases: the leaves, plus any group that failed on its own account (a failing hook) rather
 * than because a subtest did.
 */
export type TestStatus = 'passed' | 'failed' | 'skipped';

export interface TestCase {
  /** Names of the enclosing groups, outermost first. */
  path: string[];
  name: string;
  status: TestStatus;
  durationMs: number;
  /** Failures: the error message; skips: the reason (or "todo"). */
  message: string | null;
  /** Failures: where it failed and the stack, when TAP said. */
  detail: string | null;
}

interface Result {
  name: string;
  ok: boolean;
  directive: 'skip' | 'todo' | null;
  reason: string | null;
  diagnostics: Record<string, unknown>;
  children: Result[];
}

const resultLine = /^(not ok|ok)\b(?:\s+\d+)?(?:\s+-)?\s?(.*)$/;

export function parseTap(text: string): TestCase[] {
  const lines = text.split(/\r?\n/);
  // Results seen at each depth that still wait for their parent's result line.
  const pending = new Map<number, Result[]>();
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    const indent = line.length - line.trimStart().length;
    const match = resultLine.exec(line.trimStart());
    index += 1;
    if (!match) continue;
    const depth = Math.floor(indent / 4);
    const { name, directive, reason } = splitDescription(match[2] ?? '');
    const result: Result = { name, ok: match[1] === 'ok', directive, reason, diagnostics: {}, children: pending.get(depth + 1) ?? [] };
    pending.delete(depth + 1);
    const yamlStart = lines[index];
    if (yamlStart !== undefined && yamlStart.trim() === '---' && yamlStart.length - yamlStart.trimStart().length > indent) {
      const blockIndent = yamlStart.length - yamlStart.trimStart().length;
      const block: string[] = [];
      index += 1;
      while (index < lines.length && lines[index]!.trim() !== '...') {
        block.push(lines[index]!.slice(blockIndent));
        index += 1;
      }
      index += 1;
      result.diagnostics = parseDiagnostics(block.join('\n'));
    }
    pending.set(depth, [...(pending.get(depth) ?? []), result]);
  }
  const roots = [...pending.entries()].sort(([a], [b]) => a - b).flatMap(([, results]) => results);
  return roots.flatMap((root) => flatten(root, []));
}

function flatten(result: Result, path: string[]): TestCase[] {
  const own = toCase(result, path);
  if (result.children.length === 0) return [own];
  const nested = result.children.flatMap((child) => flatten(child, [...path, result.name]));
  const failedOnItsOwn = own.status === 'failed' && result.diagnostics.failureType !== 'subtestsFailed';
  return failedOnItsOwn ? [...nested, own] : nested;
}

function toCase(result: Result, path: string[]): TestCase {
  const durationMs = typeof result.diagnostics.duration_ms === 'number' ? result.diagnostics.duration_ms : 0;
  if (result.directive) {
    return { path, name: result.name, status: 'skipped', durationMs, message: result.reason ?? result.directive, detail: null };
  }
  if (result.ok) return { path, name: result.name, status: 'passed', durationMs, message: null, detail: null };
  const error = result.diagnostics.error;
  const message = typeof error === 'string' ? error.trim() : error === undefined ? 'failed' : JSON.stringify(error);
  const detail = [result.diagnostics.location, result.diagnostics.stack].filter((part) => typeof part === 'string' && part.trim()).join('\n');
  return { path, name: result.name, status: 'failed', durationMs, message: message || 'failed', detail: detail || null };
}

/** `name # SKIP reason`; `\#` is a literal hash in the name. */
function splitDescription(description: string): { name: string; directive: 'skip' | 'todo' | null; reason: string | null } {
  let hash = -1;
  for (let i = 0; i < description.length; i += 1) {
    if (description[i] === '\\') i += 1;
    else if (description[i] === '#') {
      hash = i;
      break;
    }
  }
  const rawName = hash < 0 ? description : description.slice(0, hash);
  const name = rawName.trim().replace(/\\(.)/g, '$1');
  if (hash < 0) return { name, directive: null, reason: null };
  const [, directive, reason] = /^#\s*(SKIP|TODO)\S*\s*(.*)$/i.exec(description.slice(hash).trim()) ?? [];
  if (directive === undefined) return { name, directive: null, reason: null };
  return { name, directive: directive.toLowerCase() as 'skip' | 'todo', reason: reason?.trim() || null };
}

function parseDiagnostics(block: string): Record<string, unknown> {
  try {
    const parsed = parse(block) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    // A diagnostic block that is not YAML still leaves the result line, which is what counts.
    return {};
  }
}
