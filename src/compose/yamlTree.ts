import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import { InputError } from '../errors.js';
import { parseYamlDocument } from '../io/readDocument.js';

/**
 * A compose file's YAML as compose reads it: merge keys (`<<: *anchor`, `<<: [*a, *b]`) resolved,
 * `!reset` and `!override` kept as markers for the merge of several files, and every mapping a
 * null-prototype object, so a service named `constructor` or `__proto__` is just a key.
 */
export type Mapping = Record<string, unknown>;

/** `!reset`: the key is removed from what earlier files (or an `extends` base) set. */
export const resetTag: unique symbol = Symbol('!reset');

/** `!override`: the value replaces what earlier files set instead of being merged with it. */
export class OverrideTag {
  constructor(readonly value: unknown) {}
}

/**
 * Compose's own loader stops after this many visited nodes (aliases expanded); the same bound refuses
 * an alias bomb here, while a real file that leans on anchors (sentry's, with 122 merge keys) fits.
 */
export const maxYamlNodes = 100_000;

export function newMapping(): Mapping {
  return Object.create(null) as Mapping;
}

export function isMapping(value: unknown): value is Mapping {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof OverrideTag);
}

/** Parses one compose file's text into its tree; an empty file is an empty mapping, as for compose. */
export function readComposeYaml(file: string, text: string): unknown {
  const doc = parseYamlDocument(file, text);
  if (doc.contents === null) return newMapping();
  return new TreeBuilder(file, doc).build(doc.contents);
}

class TreeBuilder {
  private visited = 0;

  constructor(
    private readonly file: string,
    private readonly doc: Document.Parsed,
  ) {}

  build(node: Node): unknown {
    this.visited += 1;
    if (this.visited > maxYamlNodes) {
      throw new InputError(this.file, undefined, `YAML aliases expand to more than ${maxYamlNodes} nodes (compose stops there too): an alias bomb?`);
    }
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target) throw new InputError(this.file, undefined, `unknown YAML alias *${node.source}`);
      return this.build(target);
    }
    const tag = node.tag;
    if (tag === '!reset') return resetTag;
    const value = this.plain(node);
    return tag === '!override' ? new OverrideTag(value) : value;
  }

  private plain(node: Node): unknown {
    if (isScalar(node)) return node.value;
    if (isSeq(node)) return node.items.map((item) => (item === null ? null : this.build(item as Node)));
    if (!isMap(node)) throw new InputError(this.file, undefined, 'unexpected YAML node');
    const out = newMapping();
    const merged: Mapping[] = [];
    for (const pair of node.items) {
      const key = this.key(pair.key);
      const value = pair.value === null ? null : this.build(pair.value as Node);
      if (key === '<<' && isMergeSource(pair.key)) merged.push(...this.mergeSources(value));
      else out[key] = value;
    }
    // Keys written in the mapping win over merged ones; among merged mappings, the first listed wins.
    for (const source of merged) {
      for (const [key, value] of Object.entries(source)) if (!Object.hasOwn(out, key)) out[key] = value;
    }
    return out;
  }

  private key(node: unknown): string {
    if (isScalar(node)) return String(node.value);
    if (isAlias(node)) return this.key(node.resolve(this.doc));
    throw new InputError(this.file, undefined, 'a mapping key must be a plain value');
  }

  private mergeSources(value: unknown): Mapping[] {
    const sources = Array.isArray(value) ? value : [value];
    if (!sources.every(isMapping)) throw new InputError(this.file, undefined, 'a merge key (<<) must name a mapping or a list of mappings');
    return sources;
  }
}

/** `<<` is a merge key only when written plainly; `"<<"` is an ordinary key. */
function isMergeSource(key: unknown): boolean {
  return isScalar(key) && key.type === 'PLAIN';
}
