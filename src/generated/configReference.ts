/**
 * Renders a markdown reference of a JSON Schema (generated from zod): one row per field, by dotted path,
 * with its type, default and description. Records are shown as `<name>` path segments.
 */
type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  description?: string;
  required?: string[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
};

export interface ReferenceRow {
  path: string;
  type: string;
  required: boolean;
  default: string;
  description: string;
  /** The `type` of the union variant the row came from, while rows are merged. */
  variant?: string;
}

export function schemaRows(schema: JsonSchema, path = '', required = true, placeholder = 'name'): ReferenceRow[] {
  const rows: ReferenceRow[] = [];
  if (path) rows.push({ path, type: typeName(schema), required, default: schema.default === undefined ? '' : JSON.stringify(schema.default), description: describe(schema) });
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants && variants.some((variant) => variant.properties)) {
    for (const variant of variants) {
      // A field two variants share (`target.cluster` of helm-values and ecs) names its variant where they differ.
      const label = typeof variant.properties?.type?.const === 'string' ? variant.properties.type.const : undefined;
      const own = schemaRows({ ...variant, description: variant.description }, '', true, placeholder);
      rows.push(...own.map((row) => ({ ...row, path: `${path}${row.path.startsWith('[') ? '' : '.'}${row.path}`, ...(label ? { variant: label } : {}) })));
    }
    return dedupe(rows);
  }
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    rows.push(...schemaRows(child, path ? `${path}.${key}` : key, schema.required?.includes(key) ?? false, key === 'services' ? 'service' : key === 'environments' ? 'env' : 'name'));
  }
  if (typeof schema.additionalProperties === 'object' && (schema.additionalProperties.properties || schema.additionalProperties.oneOf || schema.additionalProperties.anyOf)) {
    rows.push(...schemaRows(schema.additionalProperties, `${path}.<${placeholder}>`, true).slice(0));
  }
  if (schema.items && (schema.items.properties || schema.items.oneOf || schema.items.anyOf)) {
    rows.push(...schemaRows(schema.items, `${path}[]`, true));
  }
  return dedupe(rows);
}

function dedupe(rows: ReferenceRow[]): ReferenceRow[] {
  const seen = new Map<string, ReferenceRow>();
  for (const row of rows) {
    const existing = seen.get(row.path);
    if (!existing) seen.set(row.path, row);
    else seen.set(row.path, merge(existing, row));
  }
  return [...seen.values()].map(({ variant: _variant, ...row }) => row);
}

/** One row for a path several variants define: their types together, each description and default under its variant's name. */
function merge(existing: ReferenceRow, row: ReferenceRow): ReferenceRow {
  const types = [...new Set([...existing.type.split(' \\| '), ...row.type.split(' \\| ')])].join(' \\| ');
  if (!existing.description) return { ...row, type: types };
  if (!row.description || (row.description === existing.description && row.default === existing.default)) return { ...existing, type: types };
  const labelled = (entry: ReferenceRow) => (entry.variant ? `${entry.variant}: ` : '') + entry.description + (entry.default && entry.variant ? ` (default ${entry.default})` : '');
  const sameDefault = existing.default === row.default;
  return {
    path: existing.path,
    type: types,
    required: existing.required && row.required,
    default: sameDefault ? existing.default : '',
    description: existing.variant || row.variant ? `${labelled(sameDefault ? { ...existing, default: '' } : existing)} ${labelled(sameDefault ? { ...row, default: '' } : row)}` : existing.description,
  };
}

function typeName(schema: JsonSchema): string {
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (schema.enum) return schema.enum.map((value) => `\`${JSON.stringify(value)}\``).join(' \\| ');
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) return [...new Set(variants.map(typeName))].join(' \\| ');
  if (Array.isArray(schema.type)) return schema.type.join(' \\| ');
  if (schema.type === 'array') return `${schema.items ? typeName(schema.items) : 'any'}[]`;
  if (schema.type === 'object' && typeof schema.additionalProperties === 'object' && !schema.properties) return 'map';
  return schema.type ?? 'any';
}

function describe(schema: JsonSchema): string {
  return (schema.description ?? '').replace(/\s+/g, ' ').trim();
}

export function renderReference(rows: ReferenceRow[]): string {
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const lines = ['| field | type | required | default | description |', '| --- | --- | --- | --- | --- |'];
  for (const row of rows) {
    lines.push(`| \`${row.path}\` | ${row.type} | ${row.required ? 'yes' : ''} | ${row.default ? `\`${escape(row.default)}\`` : ''} | ${escape(row.description)} |`);
  }
  return `${lines.join('\n')}\n`;
}
