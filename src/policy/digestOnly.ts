import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type YAMLMap } from 'yaml';
import { InputError } from '../errors.js';
import { imageRepositoryPattern } from '../lock/schema.js';
import { normalizeRepository } from '../registry/reference.js';
import { isPinnedDigest, parseImageReference } from './imageReference.js';

/**
 * The digest-only guardrail as a pure function: the text of one YAML file in, every image reference
 * that is not pinned by digest out, each with the line a person opens the file at. It knows three
 * shapes of file: compose files, Kubernetes manifests and helm values; a file may hold several
 * documents, each classified on its own.
 */

export type PolicySource = 'compose' | 'kubernetes' | 'helm-values';

export interface PolicyViolation {
  file: string;
  line: number;
  column: number;
  source: PolicySource;
  /** Where in the document, e.g. `services.web.image` or `Deployment/web spec.template.spec.containers[app].image`. */
  path: string;
  /** The reference as written (for helm image maps, assembled from its fields). */
  reference: string;
  /** One line saying what is wrong. */
  problem: string;
  /** The reference is, or resolves to, the mutable tag `latest`. */
  latest: boolean;
  /**
   * The repository as Docker resolves it (`redis` → `docker.io/library/redis`), so a report says which
   * registry a reference really pulls from; null when it is interpolated or not a repository name.
   */
  repository: string | null;
}

export interface FileCheck {
  /** Image references found, pinned or not. */
  references: number;
  /** The kind of each non-empty document, in order. */
  sources: PolicySource[];
  violations: PolicyViolation[];
}

const composeTopLevel = new Set(['version', 'name', 'services', 'networks', 'volumes', 'configs', 'secrets', 'include', 'models']);
const podSpecLists = ['containers', 'initContainers', 'ephemeralContainers'];
const templateMarker = /\$\{|\{\{/;

export function checkDigestOnly(file: string, text: string): FileCheck {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: true, version: '1.2' });
  const list = Array.isArray(documents) ? documents : [];
  for (const doc of list) {
    const problem = doc.errors[0];
    if (problem) {
      const at = problem.linePos?.[0];
      throw new InputError(file, at ? `line ${at.line}` : undefined, `invalid YAML: ${problem.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`);
    }
  }
  const result: FileCheck = { references: 0, sources: [], violations: [] };
  list.forEach((doc, index) => {
    if (!doc.contents || (isScalar(doc.contents) && doc.contents.value === null)) return;
    const prefix = list.length > 1 ? `[doc ${index + 1}] ` : '';
    const walker = new Walker(file, doc, lineCounter, prefix, result);
    const root = doc.contents;
    if (!isMap(root)) return;
    const source = classify(root);
    result.sources.push(source);
    if (source === 'compose') walker.compose(root);
    else if (source === 'kubernetes') walker.kubernetes(root);
    else walker.helmValues(root, []);
  });
  return result;
}

function classify(root: YAMLMap): PolicySource {
  const keys = root.items.map((pair) => (isScalar(pair.key) ? String(pair.key.value) : ''));
  if (keys.includes('apiVersion') && keys.includes('kind')) return 'kubernetes';
  if (keys.includes('services') && isMap(get(root, 'services')) && keys.every((key) => composeTopLevel.has(key) || key.startsWith('x-'))) {
    return 'compose';
  }
  return 'helm-values';
}

function get(map: YAMLMap, key: string): unknown {
  const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
  return pair?.value ?? undefined;
}

function scalarText(node: unknown): string | null {
  return isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number') ? String(node.value) : null;
}

class Walker {
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
    private readonly prefix: string,
    private readonly result: FileCheck,
  ) {}

  compose(root: YAMLMap): void {
    const services = get(root, 'services');
    if (!isMap(services)) return;
    for (const pair of services.items) {
      const name = scalarText(pair.key) ?? '?';
      const service = this.resolve(pair.value);
      if (!isMap(service)) continue;
      const image = get(service, 'image');
      if (image !== undefined) this.checkString('compose', `services.${name}.image`, image);
    }
  }

  kubernetes(manifest: YAMLMap): void {
    const kind = scalarText(get(manifest, 'kind')) ?? '?';
    const items = this.resolve(get(manifest, 'items'));
    if (kind.endsWith('List') && isSeq(items)) {
      for (const item of items.items) {
        const resolved = this.resolve(item);
        if (isMap(resolved)) this.kubernetes(resolved);
      }
      return;
    }
    const metadata = this.resolve(get(manifest, 'metadata'));
    const name = isMap(metadata) ? scalarText(get(metadata, 'name')) : null;
    this.podSpecs(manifest, [], `${kind}/${name ?? '?'}`);
  }

  /** Any map holding containers lists is a pod spec, whatever the kind: CRDs with pod templates are covered too. */
  private podSpecs(node: unknown, path: string[], subject: string): void {
    const value = this.resolve(node);
    if (isSeq(value)) {
      const last = path.at(-1) ?? '';
      value.items.forEach((item, index) => this.podSpecs(item, [...path.slice(0, -1), `${last}[${index}]`], subject));
      return;
    }
    if (!isMap(value)) return;
    for (const pair of value.items) {
      const key = scalarText(pair.key) ?? '?';
      const child = this.resolve(pair.value);
      if (!podSpecLists.includes(key) || !isSeq(child)) {
        this.podSpecs(child, [...path, key], subject);
        continue;
      }
      child.items.forEach((item, index) => {
        const container = this.resolve(item);
        if (!isMap(container)) return;
        const image = get(container, 'image');
        const label = scalarText(get(container, 'name')) ?? String(index);
        if (image !== undefined) this.checkString('kubernetes', `${subject} ${[...path, `${key}[${label}]`, 'image'].join('.')}`, image);
      });
    }
  }

  helmValues(node: unknown, path: string[]): void {
    const value = this.resolve(node);
    if (isMap(value)) {
      for (const pair of value.items) {
        const key = scalarText(pair.key) ?? '?';
        const child = this.resolve(pair.value);
        const childPath = [...path, key];
        if (key === 'image' && isScalar(child) && child.value !== null) this.checkString('helm-values', childPath.join('.'), child);
        else if (key === 'image' && isMap(child) && isImageMap(child)) this.checkImageMap(childPath.join('.'), child);
        else this.helmValues(child, childPath);
      }
    } else if (isSeq(value)) {
      value.items.forEach((item, index) => this.helmValues(item, [...path.slice(0, -1), `${path.at(-1) ?? ''}[${index}]`]));
    }
  }

  private resolve(node: unknown): unknown {
    return isAlias(node) ? node.resolve(this.doc) : node;
  }

  private position(node: unknown): { line: number; column: number } {
    const offset = (node as Node | null)?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  private checkString(source: PolicySource, path: string, raw: unknown): void {
    const node = this.resolve(raw);
    this.result.references += 1;
    // An alias is reported where it is used (the field named), and says where the value is defined.
    const where = { file: this.file, ...this.position(raw), source, path: `${this.prefix}${path}` };
    const via = isAlias(raw) ? ` (via an alias of line ${this.position(node).line})` : '';
    if (!isScalar(node) || typeof node.value !== 'string') {
      this.result.violations.push({ ...where, reference: String(isScalar(node) ? node.value : '(not a scalar)'), problem: 'the image is not a string', latest: false, repository: null });
      return;
    }
    const reference = node.value;
    const parsed = parseImageReference(reference);
    const templated = templateMarker.test(reference);
    const verdict = judge(parsed, templated);
    if (verdict) this.result.violations.push({ ...where, reference, ...verdict, problem: `${verdict.problem}${via}`, repository: templated ? null : canonicalRepository(parsed.repository) });
  }

  private checkImageMap(path: string, map: YAMLMap): void {
    this.result.references += 1;
    const field = (key: string) => scalarText(this.resolve(get(map, key)));
    const repository = [field('registry'), field('repository')].filter((part) => part !== null && part !== '').join('/');
    const tag = field('tag');
    const digest = field('digest');
    const reference = `${repository || '(no repository)'}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
    const verdict = judge({ repository, tag: tag === '' ? null : tag, digest: digest === '' ? null : digest }, false);
    if (verdict) {
      const anchor = get(map, digest ? 'digest' : tag ? 'tag' : 'repository') ?? map;
      const canonical = templateMarker.test(repository) ? null : canonicalRepository(repository);
      this.result.violations.push({ file: this.file, ...this.position(anchor), source: 'helm-values', path: `${this.prefix}${path}`, reference, ...verdict, repository: canonical });
    }
  }
}

function canonicalRepository(repository: string): string | null {
  return imageRepositoryPattern.test(repository) ? normalizeRepository(repository) : null;
}

function isImageMap(map: YAMLMap): boolean {
  return ['repository', 'tag', 'digest'].some((key) => get(map, key) !== undefined);
}

function judge(
  reference: { repository: string; tag: string | null; digest: string | null },
  templated: boolean,
): { problem: string; latest: boolean } | null {
  const latest = reference.tag === 'latest';
  if (reference.digest !== null && isPinnedDigest(reference.digest)) {
    return latest ? { problem: 'pinned by digest but also names the tag latest: drop the tag', latest } : null;
  }
  if (reference.digest !== null) {
    return { problem: `the digest is not sha256:<64 lower-case hex>${templated ? ' (it is interpolated, so it cannot be checked)' : ''}`, latest };
  }
  if (templated) return { problem: 'not pinned by digest (interpolated reference without a literal @sha256: digest)', latest };
  if (reference.tag === null) return { problem: 'not pinned by digest, and without a tag it means latest', latest: true };
  if (latest) return { problem: 'uses the mutable tag latest and no digest', latest };
  return { problem: `not pinned by digest (tag ${reference.tag} can move)`, latest };
}
