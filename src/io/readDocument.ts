import { open } from 'node:fs/promises';
import { parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';

/** Locks and configs are small; anything near this is a mistake or an attack, refused before parsing. */
export const defaultMaxBytes = 4 * 1024 * 1024;
/** Caps alias expansion so a billion-laughs document is refused instead of eating memory. */
const maxAliasCount = 64;

export interface ReadDocumentOptions {
  maxBytes?: number;
}

/** Reads a file without ever holding more than `maxBytes + 1` bytes of it. */
export async function readBoundedText(file: string, options: ReadDocumentOptions = {}): Promise<string> {
  const maxBytes = options.maxBytes ?? defaultMaxBytes;
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const problem = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a file' : `cannot be read (${code ?? 'error'})`;
    throw new InputError(file, undefined, problem);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw new InputError(file, undefined, 'is a directory, not a file');
    if (!info.isFile()) throw new InputError(file, undefined, 'is not a regular file');
    if (info.size > maxBytes) throw new InputError(file, undefined, `is ${info.size} bytes, over the ${maxBytes}-byte limit`);
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > maxBytes) throw new InputError(file, undefined, `is over the ${maxBytes}-byte limit`);
    return decodeUtf8(file, buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

export function decodeUtf8(file: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const offset = firstInvalidUtf8(bytes);
    throw new InputError(file, undefined, `is not valid UTF-8 (first bad byte at offset ${offset})`);
  }
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let low = 0;
  let high = bytes.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    try {
      decoder.decode(bytes.subarray(0, mid + 1));
      low = mid + 1;
    } catch {
      high = mid;
    }
  }
  return low;
}

/**
 * Parses YAML (JSON is accepted: it is YAML) strictly: duplicate keys, syntax errors, several documents
 * and alias bombs are input errors naming the file and the line.
 */
export function parseYamlText(file: string, text: string): unknown {
  const doc = parseYamlDocument(file, text);
  try {
    return doc.toJS({ maxAliasCount });
  } catch (error) {
    throw new InputError(file, undefined, `YAML aliases expand too far (${(error as Error).message.split('\n')[0]})`);
  }
}

/** The YAML syntax tree, for readers that resolve it themselves (compose's merge keys and tags); same errors as parseYamlText. */
export function parseYamlDocument(file: string, text: string): Document.Parsed {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true, version: '1.2' });
  const problem = doc.errors[0];
  if (problem) {
    const line = problem.linePos?.[0]?.line;
    const at = line === undefined ? '' : ` (line ${line})`;
    if (problem.code === 'DUPLICATE_KEY') {
      const key = /^\s*(?:-\s+)?["']?([^"':]+)["']?\s*:/.exec(text.split('\n')[(line ?? 1) - 1] ?? '')?.[1];
      throw new InputError(file, key, `duplicate key${at}`);
    }
    throw new InputError(file, line === undefined ? undefined : `line ${line}`, yamlProblem(problem.code, problem.message));
  }
  return doc;
}

function yamlProblem(code: string, message: string): string {
  if (code === 'MULTIPLE_DOCS') return 'holds several YAML documents; expected one';
  return `invalid YAML: ${message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`;
}

/**
 * Formats a zod path as `services.catalog.digest` (the field a user searches for in the file). A key
 * that is not a plain name is quoted, `services["../etc"]`, so that dots, spaces and control
 * characters in it can neither blur the path nor break the one-line message.
 */
export function fieldPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((part, index) => {
      if (typeof part === 'number') return `[${part}]`;
      const key = String(part);
      if (!/^[A-Za-z0-9_-]+$/.test(key)) return `[${JSON.stringify(key)}]`;
      return index === 0 ? key : `.${key}`;
    })
    .join('');
}

/** Validates parsed data with a zod schema, turning the first issue into a one-line InputError. */
export function validate<S extends z.ZodType>(file: string, schema: S, data: unknown): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  let path = [...issue.path];
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    path = [...path, issue.keys[0]!];
    message = 'unknown field';
  } else if (issue.code === 'invalid_key') {
    // zod reports a bad record key as "Invalid key in record"; the key schema's own message says why.
    message = issue.issues[0]?.message ?? message;
  } else if (issue.code === 'invalid_type' && message.endsWith('received undefined')) {
    message = 'is required';
  }
  throw new InputError(file, fieldPath(path), message);
}

/** Reads, parses and validates a YAML or JSON document in one go. */
export async function readDocument<S extends z.ZodType>(
  file: string,
  schema: S,
  options: ReadDocumentOptions = {},
): Promise<z.output<S>> {
  const text = await readBoundedText(file, options);
  if (text.trim() === '') throw new InputError(file, undefined, 'is empty');
  return validate(file, schema, parseYamlText(file, text));
}
