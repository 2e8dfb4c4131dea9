import { OverrideTag } from './yamlTree.js';

/**
 * Compose variable interpolation, done once before the file is read as a graph so that the graph holds
 * the values compose itself would use: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
 * `${VAR:?error}`, `${VAR?error}`, `${VAR:+alternative}`, `${VAR+alternative}`, and `$$` for a literal `$`.
 * Defaults and alternatives may themselves hold variables. A `$` followed by anything else is kept.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

export class InterpolationError extends Error {
  override readonly name = 'InterpolationError';
}

const namePattern = /^[A-Za-z_][A-Za-z0-9_]*/;

export function interpolateString(text: string, env: Environment): string {
  let out = '';
  let index = 0;
  while (index < text.length) {
    const dollar = text.indexOf('$', index);
    if (dollar < 0) {
      out += text.slice(index);
      break;
    }
    out += text.slice(index, dollar);
    const next = text[dollar + 1];
    if (next === '$') {
      out += '$';
      index = dollar + 2;
    } else if (next === '{') {
      const close = matchingBrace(text, dollar + 1);
      if (close < 0) throw new InterpolationError(`unterminated "\${" in ${JSON.stringify(text)}`);
      out += expand(text.slice(dollar + 2, close), env);
      index = close + 1;
    } else {
      const name = namePattern.exec(text.slice(dollar + 1))?.[0];
      if (name) {
        out += env[name] ?? '';
        index = dollar + 1 + name.length;
      } else {
        // Compose keeps a `$` that starts no variable ("pa$ss", "5$", a trailing "$") as it is.
        out += '$';
        index = dollar + 1;
      }
    }
  }
  return out;
}

function matchingBrace(text: string, open: number): number {
  let depth = 0;
  for (let index = open; index < text.length; index += 1) {
    if (text[index] === '{') depth += 1;
    else if (text[index] === '}') {
      depth -= 1;
      if (depth === 0) return index;
    }
  }
  return -1;
}

function expand(body: string, env: Environment): string {
  const name = namePattern.exec(body)?.[0];
  if (!name) throw new InterpolationError(`invalid variable "\${${body}}"`);
  const rest = body.slice(name.length);
  const value = env[name];
  if (rest === '') return value ?? '';
  const operator = /^(:-|-|:\?|\?|:\+|\+)/.exec(rest)?.[0];
  if (!operator) throw new InterpolationError(`invalid variable "\${${body}}"`);
  const word = rest.slice(operator.length);
  const unsetOrEmpty = value === undefined || value === '';
  switch (operator) {
    case ':-':
      return unsetOrEmpty ? interpolateString(word, env) : value;
    case '-':
      return value === undefined ? interpolateString(word, env) : value;
    case ':?':
    case '?':
      if (operator === ':?' ? unsetOrEmpty : value === undefined) {
        throw new InterpolationError(`required variable ${name} is ${value === undefined ? 'not set' : 'empty'}${word ? `: ${interpolateString(word, env)}` : ''}`);
      }
      return value!;
    case ':+':
      return unsetOrEmpty ? '' : interpolateString(word, env);
    default:
      return value === undefined ? '' : interpolateString(word, env);
  }
}

/**
 * Interpolates every string value of a parsed document (keys are left alone, as compose does) and
 * reports the first failure with the path of the value it was found in.
 */
export function interpolateDocument(value: unknown, env: Environment, path: Array<string | number> = []): unknown {
  if (typeof value === 'string') {
    try {
      return interpolateString(value, env);
    } catch (error) {
      if (error instanceof InterpolationError) throw new InterpolationAtError(path, error.message);
      throw error;
    }
  }
  if (Array.isArray(value)) return value.map((item, index) => interpolateDocument(item, env, [...path, index]));
  if (value instanceof OverrideTag) return new OverrideTag(interpolateDocument(value.value, env, path));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [key, item] of Object.entries(value)) {
      // Extension fields (x-...) are for other tools and may hold anything; compose does not read them.
      out[key] = key.startsWith('x-') ? item : interpolateDocument(item, env, [...path, key]);
    }
    return out;
  }
  return value;
}

export class InterpolationAtError extends InterpolationError {
  readonly path: Array<string | number>;

  constructor(path: Array<string | number>, message: string) {
    super(message);
    this.path = path;
  }
}
