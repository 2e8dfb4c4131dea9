import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/**
 * The ECS API model the double checks every request and response against: `apis/ecs-2014-11-13.min.json`
 * from the `aws-sdk` npm package (AWS SDK for JavaScript v2) version 2.1693.0, Apache-2.0, copied
 * unchanged and gzipped as `ecs-2014-11-13.min.json.gz` so that the tests need none of that package's
 * other 300-odd service models. The minified model keeps operations, shapes, member types and required
 * members; it drops documentation, enums and length/pattern constraints, so those are not checked.
 *
 * Checks, in the awsJson1_1 encoding the model's `protocol: json` means: structures accept only their
 * members and need their required ones; lists are arrays, maps objects; strings, booleans, integers
 * (whole numbers), doubles and timestamps (epoch seconds as a JSON number) have their JSON type.
 */

type Shape = {
  type?: string;
  shape?: string;
  members?: Record<string, Shape>;
  required?: string[];
  member?: Shape;
  key?: Shape;
  value?: Shape;
};

interface Operation {
  input?: Shape;
  output?: Shape;
}

export interface EcsModel {
  metadata: { targetPrefix: string; jsonVersion: string; endpointPrefix: string; signingName?: string };
  operations: Record<string, Operation>;
  shapes: Record<string, Shape>;
}

export function loadEcsModel(): EcsModel {
  return JSON.parse(gunzipSync(readFileSync(new URL('./ecs-2014-11-13.min.json.gz', import.meta.url))).toString('utf8')) as EcsModel;
}

/** Every way `value` departs from the shape, as `path: problem` lines (empty when it conforms). */
export function shapeProblems(model: EcsModel, shape: Shape | undefined, value: unknown, path = '$'): string[] {
  if (shape === undefined) return value === undefined || (isObject(value) && Object.keys(value).length === 0) ? [] : [`${path}: the operation takes no body`];
  const resolved = shape.shape ? { ...model.shapes[shape.shape], ...withoutRef(shape) } : shape;
  const type = resolved.type ?? 'string';
  switch (type) {
    case 'structure': {
      if (!isObject(value)) return [`${path}: expected an object`];
      const members = resolved.members ?? {};
      const problems: string[] = [];
      for (const name of resolved.required ?? []) if (value[name] === undefined || value[name] === null) problems.push(`${path}.${name}: is required`);
      for (const [name, member] of Object.entries(value)) {
        if (!(name in members)) problems.push(`${path}.${name}: is not a member of this shape`);
        else problems.push(...shapeProblems(model, members[name], member, `${path}.${name}`));
      }
      return problems;
    }
    case 'list':
      return Array.isArray(value) ? value.flatMap((item, index) => shapeProblems(model, resolved.member, item, `${path}[${index}]`)) : [`${path}: expected an array`];
    case 'map':
      return isObject(value) ? Object.entries(value).flatMap(([key, item]) => [...shapeProblems(model, resolved.key, key, `${path}{key}`), ...shapeProblems(model, resolved.value, item, `${path}.${key}`)]) : [`${path}: expected an object (map)`];
    case 'string':
    case 'blob':
      return typeof value === 'string' ? [] : [`${path}: expected a string`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: expected a boolean`];
    case 'integer':
    case 'long':
      return Number.isInteger(value) ? [] : [`${path}: expected an integer`];
    case 'double':
    case 'float':
      return typeof value === 'number' && Number.isFinite(value) ? [] : [`${path}: expected a number`];
    case 'timestamp':
      return typeof value === 'number' && Number.isFinite(value) ? [] : [`${path}: expected a timestamp in epoch seconds`];
    default:
      return [`${path}: the model has a shape of type ${type} the double does not know`];
  }
}

function withoutRef(shape: Shape): Shape {
  const { shape: _ref, ...rest } = shape;
  return rest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
