import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * GitHub's published REST description (api.github.com, from @octokit/openapi) as a contract: finds the
 * operation of a request, validates its parameters and body, validates responses, and builds complete
 * response objects from the partial ones the double keeps.
 *
 * Schemas are converted from OpenAPI 3.0 to JSON Schema lazily (only what the exercised operations
 * reach): `nullable: true` becomes a `null` type or an `anyOf` with null.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Node = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Node;
  'x-multi-segment'?: boolean;
}

export interface Operation {
  id: string;
  method: string;
  template: string;
  segments: string[];
  literalCount: number;
  parameters: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Node }> };
  responses: Record<string, { content?: Record<string, { schema?: Node }> }>;
}

export interface RouteMatch {
  operation: Operation;
  params: Record<string, string>;
}

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const componentBase = 'https://openapi.github.double/schemas/';
const refPrefix = '#/components/schemas/';
const basicError = { $ref: `${refPrefix}basic-error` };

let loaded: OpenApiContract | undefined;

export class OpenApiContract {
  private readonly spec: { paths: Record<string, Record<string, unknown>>; components: Record<string, Record<string, Node>> };
  private readonly operations: Operation[] = [];
  private readonly ajv: Ajv;
  private readonly added = new Set<string>();
  private readonly compiled = new Map<unknown, ValidateFunction>();

  static load(): OpenApiContract {
    loaded ??= new OpenApiContract();
    return loaded;
  }

  private constructor() {
    const require = createRequire(import.meta.url);
    this.spec = require('@octokit/openapi/generated/api.github.com.json');
    this.ajv = new Ajv({ strict: false, allErrors: false, validateSchema: false, validateFormats: true });
    addFormats(this.ajv);
    // GitHub's own formats: "owner/name" and a Unix timestamp (left unchecked, as its type is).
    this.ajv.addFormat('repo.nwo', /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/);
    this.ajv.addFormat('timestamp', true);
    for (const [template, item] of Object.entries(this.spec.paths)) {
      const shared = (item.parameters as Node[] | undefined) ?? [];
      for (const [method, raw] of Object.entries(item)) {
        if (method === 'parameters' || typeof raw !== 'object' || raw === null) continue;
        const op = raw as Node;
        const segments = template.split('/').slice(1);
        const parameters = [...shared, ...((op.parameters as Node[] | undefined) ?? [])].map((p) => this.deref(p) as unknown as Parameter);
        this.operations.push({
          id: String(op.operationId),
          method: method.toUpperCase(),
          template,
          segments,
          literalCount: segments.filter((segment) => !segment.startsWith('{')).length,
          parameters,
          requestBody: op.requestBody ? (this.deref(op.requestBody as Node) as Operation['requestBody']) : undefined,
          responses: Object.fromEntries(
            Object.entries((op.responses as Record<string, Node>) ?? {}).map(([status, response]) => [status, this.deref(response) as Operation['responses'][string]]),
          ),
        });
      }
    }
  }

  /** Resolves `$ref`s to components other than schemas (parameters, responses, request bodies). */
  private deref(node: Node): Node {
    let current = node;
    for (let depth = 0; typeof current.$ref === 'string' && depth < 10; depth += 1) {
      const [, kind, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(current.$ref as string) ?? [];
      current = this.spec.components[kind ?? '']?.[name ?? ''] as Node;
      if (!current) throw new Error(`unresolvable $ref ${String(node.$ref)}`);
    }
    return current;
  }

  operationById(id: string): Operation {
    const operation = this.operations.find((candidate) => candidate.id === id);
    if (!operation) throw new Error(`no operation ${id} in the OpenAPI description`);
    return operation;
  }

  /** The operation a request addresses; literal segments beat parameters, as GitHub's router does. */
  match(method: string, pathname: string): RouteMatch | null {
    const raw = pathname.split('/').slice(1);
    let best: RouteMatch | null = null;
    for (const operation of this.operations) {
      if (operation.method !== method) continue;
      const params = matchSegments(operation, raw);
      if (params && (!best || operation.literalCount > best.operation.literalCount)) best = { operation, params };
    }
    return best;
  }

  validateRequest(match: RouteMatch, query: URLSearchParams, body: { json?: unknown; raw: Buffer; contentType: string }): string[] {
    const { operation } = match;
    const problems: string[] = [];
    for (const parameter of operation.parameters.filter((p) => p.in === 'path')) {
      const value = match.params[parameter.name];
      if (value === undefined) problems.push(`path parameter ${parameter.name} is missing`);
      else problems.push(...this.check(parameter.schema, coerce(parameter.schema, value), `path parameter ${parameter.name}`));
    }
    const known = new Set(operation.parameters.filter((p) => p.in === 'query').map((p) => p.name));
    for (const name of new Set(query.keys())) {
      if (!known.has(name)) problems.push(`query parameter ${name} is not part of ${operation.id}`);
    }
    for (const parameter of operation.parameters.filter((p) => p.in === 'query')) {
      const value = query.get(parameter.name);
      if (value === null) {
        if (parameter.required) problems.push(`query parameter ${parameter.name} is required`);
        continue;
      }
      problems.push(...this.check(parameter.schema, coerce(parameter.schema, value), `query parameter ${parameter.name}`));
    }
    const requestBody = operation.requestBody;
    if (!requestBody) {
      if (body.raw.length > 0 && operation.method !== 'GET' && operation.method !== 'DELETE') problems.push(`${operation.id} takes no request body`);
      return problems;
    }
    if (body.raw.length === 0) {
      if (requestBody.required) problems.push(`${operation.id} requires a request body`);
      return problems;
    }
    const jsonSchema = requestBody.content?.['application/json']?.schema;
    if (jsonSchema) {
      if (!body.contentType.startsWith('application/json')) problems.push(`request body must be application/json, got ${body.contentType || 'no content-type'}`);
      else if (body.json === undefined) problems.push('request body is not valid JSON');
      else {
        problems.push(...this.check(jsonSchema, body.json, 'request body'));
        problems.push(...this.unknownMembers(jsonSchema, body.json));
      }
    } else if (!body.contentType) {
      problems.push(`${operation.id} needs a content-type for its body`);
    }
    return problems;
  }

  /**
   * Checks a response against the operation: the status must be documented (401, 403, 404, 429 and 5xx
   * can answer any request on github.com, so those only need GitHub's error shape) and the JSON body must
   * match the documented schema.
   */
  validateResponse(operation: Operation, status: number, body: unknown): string[] {
    const documented = operation.responses[String(status)] ?? operation.responses.default;
    if (!documented) {
      if ([401, 403, 404, 429].includes(status) || status >= 500) return this.check(basicError, body, `${status} response`);
      return [`status ${status} is not documented for ${operation.id}`];
    }
    const schema = documented.content?.['application/json']?.schema;
    if (!schema) return body === undefined ? [] : [`${operation.id} documents no body for ${status}`];
    if (body === undefined) return [`${operation.id} documents a JSON body for ${status}`];
    return this.check(schema, body, `${status} response of ${operation.id}`);
  }

  private check(schema: Node | undefined, value: unknown, what: string): string[] {
    if (!schema) return [];
    let validate = this.compiled.get(schema);
    if (!validate) {
      validate = this.ajv.compile(this.convert(schema) as object);
      this.compiled.set(schema, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).slice(0, 3).map((error) => `${what}${error.instancePath}: ${error.message ?? 'invalid'}`);
  }

  /** GitHub ignores unknown members of a request body; the double refuses them, since they are always a client bug. */
  private unknownMembers(schema: Node, value: unknown): string[] {
    const resolved = this.resolveSchema(schema);
    const properties = resolved.properties as Record<string, Node> | undefined;
    if (!properties || typeof value !== 'object' || value === null || Array.isArray(value)) return [];
    return Object.keys(value)
      .filter((key) => !(key in properties))
      .map((key) => `request body member ${key} is not documented`);
  }

  private resolveSchema(schema: Node): Node {
    let current = schema;
    while (typeof current.$ref === 'string' && current.$ref.startsWith(refPrefix)) {
      current = this.spec.components.schemas![current.$ref.slice(refPrefix.length)]!;
    }
    return current;
  }

  private ensureComponent(name: string): void {
    if (this.added.has(name)) return;
    this.added.add(name);
    const schema = this.spec.components.schemas![name];
    if (!schema) throw new Error(`no schema ${name}`);
    this.ajv.addSchema({ ...(this.convert(schema) as Node), $id: `${componentBase}${name}` });
  }

  /** OpenAPI 3.0 schema -> JSON Schema: nullable, and component references ajv can resolve. */
  private convert(node: unknown): unknown {
    if (Array.isArray(node)) return node.map((item) => this.convert(item));
    if (node === null || typeof node !== 'object') return node;
    const out: Node = {};
    for (const [key, value] of Object.entries(node as Node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(refPrefix)) {
        const name = value.slice(refPrefix.length);
        this.ensureComponent(name);
        out.$ref = `${componentBase}${name}`;
      } else if (key === 'example' || key === 'examples' || key === 'description') {
        continue;
      } else if (key === 'properties' && value && typeof value === 'object') {
        out.properties = Object.fromEntries(Object.entries(value as Node).map(([name, item]) => [name, this.convert(item)]));
      } else {
        out[key] = this.convert(value);
      }
    }
    if (out.nullable === true) {
      delete out.nullable;
      if (typeof out.type === 'string') {
        out.type = [out.type, 'null'];
        if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
        return out;
      }
      return { anyOf: [out, { type: 'null' }] };
    }
    delete out.nullable;
    return out;
  }

  /** The schema of an operation's documented JSON response. */
  responseSchema(operationId: string, status: number): Node {
    const schema = this.operationById(operationId).responses[String(status)]?.content?.['application/json']?.schema;
    if (!schema) throw new Error(`${operationId} documents no JSON body for ${status}`);
    return schema;
  }

  componentSchema(name: string): Node {
    return { $ref: `${refPrefix}${name}` };
  }

  /**
   * A complete value for `schema` built around `partial`: every member the double cares about comes
   * from its state; required members it does not model are filled with null where allowed, else with
   * the spec's own example, else a neutral value of the right type. The result is validated like any
   * other response, so a wrong partial still fails.
   */
  complete(schema: Node, partial: unknown, depth = 0): Json {
    if (depth > 40) throw new Error('schema too deep');
    const node = this.resolveSchema(schema);
    if (Array.isArray(node.allOf)) {
      let merged: unknown = partial;
      for (const part of node.allOf as Node[]) merged = this.complete(part, merged, depth + 1);
      return merged as Json;
    }
    const choices = (node.anyOf ?? node.oneOf) as Node[] | undefined;
    if (choices) {
      if (partial === null && node.nullable) return null;
      if (partial !== undefined) return this.complete(this.pickChoice(choices, partial), partial, depth + 1);
      return node.nullable ? null : this.complete(choices[0]!, undefined, depth + 1);
    }
    if (partial === undefined && node.nullable === true) return null;
    const type = node.type;
    if (type === 'object' || (type === undefined && node.properties)) {
      const source = (partial ?? {}) as Record<string, unknown>;
      const properties = (node.properties ?? {}) as Record<string, Node>;
      const out: Record<string, Json> = {};
      for (const [key, value] of Object.entries(source)) {
        out[key] = properties[key] ? this.complete(properties[key], value, depth + 1) : (value as Json);
      }
      for (const key of (node.required as string[] | undefined) ?? []) {
        if (key in out) continue;
        out[key] = properties[key] ? this.complete(properties[key], undefined, depth + 1) : null;
      }
      return out;
    }
    if (type === 'array') {
      if (!Array.isArray(partial)) return [];
      return partial.map((item) => this.complete((node.items as Node) ?? {}, item, depth + 1));
    }
    if (partial !== undefined) return partial as Json;
    if (node.example !== undefined && node.example !== null) return node.example as Json;
    if (Array.isArray(node.enum)) return node.enum[0] as Json;
    if (type === 'integer' || type === 'number') return typeof node.minimum === 'number' ? node.minimum : 0;
    if (type === 'boolean') return false;
    if (type === 'string') {
      if (node.format === 'date-time') return '2026-01-01T00:00:00Z';
      if (node.format === 'uri' || node.format === 'uri-template') return 'https://github.double/placeholder';
      if (node.format === 'email') return 'nobody@github.double';
      return '';
    }
    return null;
  }

  private pickChoice(choices: Node[], partial: unknown): Node {
    const wanted = partial === null ? 'null' : Array.isArray(partial) ? 'array' : typeof partial === 'number' ? 'integer' : typeof partial;
    for (const choice of choices) {
      const resolved = this.resolveSchema(choice);
      const type = resolved.type ?? (resolved.properties ? 'object' : undefined);
      if (type === wanted || (wanted === 'integer' && type === 'number')) return choice;
    }
    return choices[0]!;
  }
}

function matchSegments(operation: Operation, raw: string[]): Record<string, string> | null {
  const params: Record<string, string> = {};
  const { segments } = operation;
  for (let index = 0; index < segments.length; index += 1) {
    const segment = segments[index]!;
    const name = /^\{(.+)\}$/.exec(segment)?.[1];
    if (name === undefined) {
      if (raw[index] !== segment) return null;
      continue;
    }
    const multi = operation.parameters.find((p) => p.in === 'path' && p.name === name)?.['x-multi-segment'] === true;
    if (multi && index === segments.length - 1) {
      const rest = raw.slice(index);
      if (rest.length === 0 || rest.some((part) => part === '')) return null;
      params[name] = rest.map(safeDecode).join('/');
      return params;
    }
    const value = raw[index];
    if (value === undefined || value === '') return null;
    params[name] = safeDecode(value);
  }
  return raw.length === segments.length ? params : null;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function coerce(schema: Node | undefined, value: string): unknown {
  const type = schema?.type;
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  return value;
}
