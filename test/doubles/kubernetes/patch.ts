import type { KubernetesOpenApi } from './openapi.js';

/**
 * The three patch formats of the API server, applied the way it applies them. Strategic merge reads
 * `x-kubernetes-patch-strategy` and `x-kubernetes-patch-merge-key` from the OpenAPI schema, so lists such
 * as `containers` merge by name exactly where the real server merges them.
 */

type Json = Record<string, unknown>;

export class PatchError extends Error {}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

/** RFC 7386: objects merge, null deletes, everything else (lists too) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: Json = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export function strategicMergePatch(api: KubernetesOpenApi, definition: string, target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) throw new PatchError('a strategic merge patch must be a JSON object');
  return smp(api, api.definition(definition), target, patch);
}

function smp(api: KubernetesOpenApi, rawSchema: Json | undefined, target: unknown, patch: Json): Json {
  const schema = api.resolveSchema(rawSchema);
  if (patch.$patch === 'replace') {
    const { $patch: _directive, ...rest } = patch;
    return clone(rest);
  }
  if (patch.$patch === 'delete') return {};
  const result: Json = isObject(target) ? clone(target) : {};
  const properties = (schema?.properties ?? {}) as Record<string, Json>;
  for (const [key, value] of Object.entries(patch)) {
    // Ordering and retain-keys directives only steer list order and pruning, which the double does not model.
    if (key.startsWith('$setElementOrder/') || key === '$retainKeys') continue;
    if (key.startsWith('$')) throw new PatchError(`unknown strategic merge directive ${key}`);
    if (value === null) {
      delete result[key];
      continue;
    }
    const propertySchema = api.resolveSchema(properties[key] ?? (isObject(schema?.additionalProperties) ? (schema.additionalProperties as Json) : undefined));
    if (Array.isArray(value)) {
      result[key] = mergeList(api, properties[key] ?? propertySchema, result[key], value);
    } else if (isObject(value)) {
      result[key] = smp(api, propertySchema, result[key], value);
    } else {
      result[key] = value;
    }
  }
  return result;
}

function mergeList(api: KubernetesOpenApi, rawSchema: Json | undefined, target: unknown, patch: unknown[]): unknown[] {
  const schema = rawSchema ?? {};
  const strategy = String(schema['x-kubernetes-patch-strategy'] ?? '');
  const mergeKey = schema['x-kubernetes-patch-merge-key'];
  if (!strategy.split(',').includes('merge')) return clone(patch);
  const existing = Array.isArray(target) ? clone(target) : [];
  if (typeof mergeKey !== 'string') return [...existing, ...patch.filter((item) => !existing.includes(item))];
  const itemSchema = api.resolveSchema(schema.items as Json | undefined);
  for (const item of patch) {
    if (!isObject(item)) throw new PatchError(`list items merged by ${mergeKey} must be objects`);
    const key = item[mergeKey];
    if (key === undefined) throw new PatchError(`a list item has no merge key ${mergeKey}`);
    const index = existing.findIndex((current) => isObject(current) && current[mergeKey] === key);
    if (item.$patch === 'delete') {
      if (index !== -1) existing.splice(index, 1);
    } else if (index === -1) {
      existing.push(smp(api, itemSchema, {}, item));
    } else {
      existing[index] = smp(api, itemSchema, existing[index], item);
    }
  }
  return existing;
}

interface JsonPatchOperation {
  op: 'add' | 'remove' | 'replace' | 'test' | 'move' | 'copy';
  path: string;
  value?: unknown;
  from?: string;
}

/** RFC 6902, the operations the server supports. */
export function jsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError('a JSON patch must be an array of operations');
  let document = clone(target);
  for (const raw of operations) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') throw new PatchError('each JSON patch operation needs op and path');
    const operation = raw as unknown as JsonPatchOperation;
    switch (operation.op) {
      case 'add':
      case 'replace':
        if (!('value' in operation)) throw new PatchError(`${operation.op} needs a value`);
        document = setPointer(document, operation.path, clone(operation.value), operation.op);
        break;
      case 'remove':
        document = setPointer(document, operation.path, undefined, 'remove');
        break;
      case 'test':
        if (JSON.stringify(getPointer(document, operation.path)) !== JSON.stringify(operation.value)) throw new PatchError(`test failed at ${operation.path}`);
        break;
      case 'copy':
      case 'move': {
        if (typeof operation.from !== 'string') throw new PatchError(`${operation.op} needs from`);
        const value = clone(getPointer(document, operation.from));
        if (operation.op === 'move') document = setPointer(document, operation.from, undefined, 'remove');
        document = setPointer(document, operation.path, value, 'add');
        break;
      }
      default:
        throw new PatchError(`unknown JSON patch operation ${String(raw.op)}`);
    }
  }
  return document;
}

function tokens(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${pointer}`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getPointer(document: unknown, pointer: string): unknown {
  let node = document;
  for (const token of tokens(pointer)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node) && token in node) node = node[token];
    else throw new PatchError(`path ${pointer} does not exist`);
  }
  return node;
}

function setPointer(document: unknown, pointer: string, value: unknown, mode: 'add' | 'replace' | 'remove'): unknown {
  const path = tokens(pointer);
  if (path.length === 0) return value;
  const last = path.at(-1)!;
  const parent = getPointer(document, `/${path.slice(0, -1).map((token) => token.replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`.replace(/^\/$/, ''));
  if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : Number(last);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) throw new PatchError(`index ${last} out of range at ${pointer}`);
    if (mode === 'add') parent.splice(index, 0, value);
    else if (index >= parent.length) throw new PatchError(`path ${pointer} does not exist`);
    else if (mode === 'replace') parent[index] = value;
    else parent.splice(index, 1);
  } else if (isObject(parent)) {
    if (mode !== 'add' && !(last in parent)) throw new PatchError(`path ${pointer} does not exist`);
    if (mode === 'remove') delete parent[last];
    else parent[last] = value;
  } else {
    throw new PatchError(`path ${pointer} has no parent object`);
  }
  return document;
}
