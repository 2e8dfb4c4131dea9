import { LineCounter, isAlias, isMap, isScalar, parse, parseDocument, type Document, type Pair, type Scalar, type YAMLMap } from 'yaml';
import { InputError } from '../../../errors.js';
import type { ReleaseLock } from '../../../lock/schema.js';

/**
 * Writes a lock's digests (and tags and repositories, for people) into a helm values file, content in,
 * content out. The `yaml` Document API finds each key and its exact source range; only those scalars are
 * spliced, so every comment, blank line, quote style and indentation elsewhere stays byte for byte.
 * Keys that do not exist yet are added under the deepest mapping that does, indented like its siblings.
 */

/** Dotted key paths in the values file, per service. */
export interface ImageKeys {
  repository?: string;
  tag?: string;
  digest: string;
}

export type ValuesMapping = Record<string, ImageKeys>;

export function defaultImageKeys(service: string): Required<ImageKeys> {
  return { repository: `${service}.image.repository`, tag: `${service}.image.tag`, digest: `${service}.image.digest` };
}

/** The mapping for `services`: the configured keys where given, else `<service>.image.{repository,tag,digest}`. */
export function valuesMapping(services: readonly string[], configured: Partial<Record<string, ImageKeys>> = {}): ValuesMapping {
  return Object.fromEntries(services.map((service) => [service, configured[service] ?? defaultImageKeys(service)]));
}

export interface ValuesImage {
  repository: string | null;
  tag: string | null;
  digest: string | null;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

type Tree = { [key: string]: Tree | string };

export function updateHelmValues(text: string, lock: ReleaseLock, mapping: ValuesMapping, file = 'values.yaml'): string {
  const writes: Array<[string, string]> = [];
  for (const [service, locked] of Object.entries(lock.services).sort(([a], [b]) => a.localeCompare(b))) {
    const keys = mapping[service];
    if (!keys) continue;
    if (keys.repository) writes.push([keys.repository, locked.image]);
    if (keys.tag) writes.push([keys.tag, locked.tag]);
    writes.push([keys.digest, locked.digest]);
  }
  const seen = new Map<string, string>();
  for (const [path, value] of writes) {
    if (seen.has(path) && seen.get(path) !== value) throw new InputError(file, path, 'is the key of two services with different values');
    seen.set(path, value);
  }
  return setValues(text, [...seen.entries()], file);
}

/** What the values file says about each service's image; null where a key is absent or not a string. */
export function readHelmValues(text: string, mapping: ValuesMapping, file = 'values.yaml'): Record<string, ValuesImage> {
  const doc = parseValues(text, file);
  const read = (path: string | undefined): string | null => {
    if (!path) return null;
    const value = doc.getIn(path.split('.'));
    return typeof value === 'string' && value !== '' ? value : null;
  };
  return Object.fromEntries(
    Object.entries(mapping).map(([service, keys]) => [service, { repository: read(keys.repository), tag: read(keys.tag), digest: read(keys.digest) }]),
  );
}

function parseValues(text: string, file: string, lineCounter?: LineCounter): Document {
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, version: '1.2', lineCounter });
  const problem = doc.errors[0];
  if (problem) {
    const at = problem.linePos?.[0];
    throw new InputError(file, at ? `line ${at.line}` : undefined, `invalid YAML: ${problem.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  return doc;
}

function setValues(text: string, writes: Array<[string, string]>, file: string): string {
  const lines = new LineCounter();
  const doc = parseValues(text, file, lines);
  const column = (offset: number) => lines.linePos(offset).col - 1;
  const root = doc.contents;
  const edits: Edit[] = [];
  const intoMaps = new Map<YAMLMap | null, Tree>();
  const intoNulls = new Map<Pair, Tree>();
  if (root !== null && !isMap(root) && !(isScalar(root) && root.value === null)) throw new InputError(file, '(top level)', 'is not a mapping');

  for (const [path, value] of writes) {
    const segments = path.split('.');
    let node: YAMLMap | null = isMap(root) ? root : null;
    for (let index = 0; index < segments.length; index += 1) {
      const here = segments.slice(0, index + 1).join('.');
      const pair = node?.items.find((item) => isScalar(item.key) && String(item.key.value) === segments[index]);
      if (!node || !pair) {
        if (node?.flow) throw new InputError(file, here, 'would go into a flow mapping {...}; add the key by hand once, lockstep then keeps it up to date');
        addTree(intoMaps, node, segments.slice(index), value);
        break;
      }
      const child = pair.value;
      if (isAlias(child)) throw new InputError(file, here, 'is an alias; lockstep does not write through aliases');
      const last = index === segments.length - 1;
      if (last) {
        if (!isScalar(child)) throw new InputError(file, here, 'is a mapping or a list, not a value');
        const edit = replaceScalar(text, child, value, file, here);
        if (edit) edits.push(edit);
        break;
      }
      if (isMap(child)) {
        node = child;
        continue;
      }
      if (child === null || (isScalar(child) && child.value === null)) {
        addTree(intoNulls, pair, segments.slice(index + 1), value);
        break;
      }
      throw new InputError(file, here, 'is a value, not a mapping, so it cannot hold the key');
    }
  }

  const unit = indentUnit(root, column);
  for (const [map, tree] of intoMaps) {
    if (map === null) {
      const prefix = text.length === 0 || text.endsWith('\n') ? '' : '\n';
      const start = isScalar(root) ? rangeOf(root)[0] : text.length;
      const end = isScalar(root) ? rangeOf(root)[1] : text.length;
      edits.push({ start, end, text: `${prefix}${render(tree, '', unit)}` });
      continue;
    }
    const first = map.items[0]!;
    const indent = ' '.repeat(column(rangeOf(first.key as Scalar)[0]));
    const lastPair = map.items.at(-1)!;
    const lastNode = (lastPair.value ?? lastPair.key) as Scalar | YAMLMap;
    const at = lineEnd(text, rangeOf(lastNode)[1]);
    edits.push({ start: at, end: at, text: `${at === text.length && !text.endsWith('\n') ? '\n' : ''}${render(tree, indent, unit)}` });
  }
  for (const [pair, tree] of intoNulls) {
    const keyColumn = column(rangeOf(pair.key as Scalar)[0]);
    const scalar = pair.value as Scalar;
    let start = rangeOf(scalar)[0];
    while (start > 0 && text[start - 1] === ' ') start -= 1;
    edits.push({ start, end: rangeOf(scalar)[1], text: `\n${render(tree, ' '.repeat(keyColumn + unit), unit).replace(/\n$/, '')}` });
  }

  let result = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);

  const check = parseValues(result, file);
  for (const [path, value] of writes) {
    if (check.getIn(path.split('.')) !== value) throw new Error(`updateHelmValues: ${file}: ${path} did not take the value ${value}`);
  }
  return result;
}

function replaceScalar(text: string, node: Scalar, value: string, file: string, path: string): Edit | null {
  if (node.value === value) return null;
  const [start, end] = rangeOf(node);
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') throw new InputError(file, path, 'is a block scalar (| or >); write it as a plain or quoted value');
  const rendered = node.type === 'QUOTE_SINGLE' ? `'${value.replace(/'/g, "''")}'` : node.type === 'QUOTE_DOUBLE' ? JSON.stringify(value) : scalar(value);
  return { start, end, text: start === end && text[start - 1] === ':' ? ` ${rendered}` : rendered };
}

/** A plain scalar when it reads back as the same string (a tag like 1.0 would read as a number), else double-quoted. */
function scalar(value: string): string {
  if (/^[A-Za-z0-9_./@:-]+$/.test(value) && !value.endsWith(':')) {
    const back = parse(`v: ${value}\n`) as { v?: unknown } | null;
    if (back?.v === value) return value;
  }
  return JSON.stringify(value);
}

function addTree<K>(groups: Map<K, Tree>, key: K, segments: string[], value: string): void {
  let tree = groups.get(key);
  if (!tree) groups.set(key, (tree = {}));
  let node = tree;
  for (const segment of segments.slice(0, -1)) {
    const next = node[segment];
    if (typeof next === 'string') return;
    node = next ?? (node[segment] = {});
  }
  node[segments.at(-1)!] = value;
}

function render(tree: Tree, indent: string, unit: number): string {
  return Object.entries(tree)
    .map(([key, value]) =>
      typeof value === 'string' ? `${indent}${scalar(key)}: ${scalar(value)}\n` : `${indent}${scalar(key)}:\n${render(value, indent + ' '.repeat(unit), unit)}`,
    )
    .join('');
}

/** The offset just past the end of the line holding `offset` (ranges of block nodes already end there). */
function lineEnd(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === '\n') return offset;
  const newline = text.indexOf('\n', offset);
  return newline === -1 ? text.length : newline + 1;
}

/** How far the file indents a nested mapping, read from the first one it has; 2 when it has none. */
function indentUnit(root: unknown, column: (offset: number) => number): number {
  if (!isMap(root)) return 2;
  for (const pair of root.items) {
    const child = pair.value;
    if (isMap(child) && !child.flow && child.items[0]) {
      const delta = column(rangeOf(child.items[0].key as Scalar)[0]) - column(rangeOf(pair.key as Scalar)[0]);
      if (delta > 0) return delta;
    }
  }
  return 2;
}

/** Where a parsed node stands in the text; the parser sets it on every node it reads. */
function rangeOf(node: { range?: [number, number, number] | null }): [number, number, number] {
  if (!node.range) throw new Error('updateHelmValues: a parsed node has no source range');
  return node.range;
}
