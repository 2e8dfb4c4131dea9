import { isMapping, newMapping, OverrideTag, resetTag, type Mapping } from './yamlTree.js';

/**
 * Merges one compose model over another the way compose merges several `-f` files and an `extends`
 * base with the service extending it: mappings key by key, lists appended, plain values replaced,
 * with compose's special cases for the keys lockstep reads (commands replaced, environment and
 * labels merged by name, volumes by target, depends_on and networks by name). `!reset` removes what
 * the base set; `!override` replaces it whole.
 */
type Path = string[];

const replaced = new Set(['services.*.command', 'services.*.entrypoint', 'services.*.healthcheck.test']);
const byName = new Set(['services.*.environment', 'services.*.labels', 'services.*.build.args', 'services.*.depends_on', 'services.*.networks', 'services.*.extra_hosts', 'services.*.sysctls', 'services.*.ulimits']);

export function mergeModels(base: unknown, over: unknown, path: Path = []): unknown {
  if (over instanceof OverrideTag) return stripTags(over.value);
  if (over === resetTag) return undefined;
  const pattern = patternOf(path);
  if (base === undefined || base === null) return stripTags(over);
  if (over === null || over === undefined) return base;
  if (replaced.has(pattern)) return stripTags(over);
  if (byName.has(pattern)) return mergeMappings(toMapping(base, pattern), toMapping(over, pattern), path);
  if (pattern === 'services.*.build') return mergeMappings(buildMapping(base), buildMapping(over), path);
  if (pattern === 'services.*.volumes') return mergeByKey(base, over, mountTarget);
  if (pattern === 'services.*.ports') return mergeByKey(base, over, (entry) => JSON.stringify(entry));
  if (isMapping(base) && isMapping(over)) return mergeMappings(base, over, path);
  if (Array.isArray(base) && Array.isArray(over)) return [...base, ...(stripTags(over) as unknown[])];
  return stripTags(over);
}

function mergeMappings(base: Mapping, over: Mapping, path: Path): Mapping {
  const out = newMapping();
  for (const [key, value] of Object.entries(base)) out[key] = value;
  for (const [key, value] of Object.entries(over)) {
    const merged = mergeModels(out[key], value, [...path, key]);
    if (merged === undefined) delete out[key];
    else out[key] = merged;
  }
  return out;
}

/** Lists whose entries name themselves (volumes by target, ports by value): a later entry replaces an earlier one. */
function mergeByKey(base: unknown, over: unknown, key: (entry: unknown) => string | undefined): unknown {
  if (!Array.isArray(base) || !Array.isArray(over)) return stripTags(over);
  const out = new Map<string, unknown>();
  let anonymous = 0;
  for (const entry of [...base, ...(stripTags(over) as unknown[])]) out.set(key(entry) ?? `\0${anonymous++}`, entry);
  return [...out.values()];
}

function mountTarget(entry: unknown): string | undefined {
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    return parts.length === 1 ? parts[0] : parts[1];
  }
  return isMapping(entry) && typeof entry.target === 'string' ? entry.target : undefined;
}

/** `[A=1, B]` and `{A: 1, B: null}` are the same; depends_on and networks lists name their keys. */
export function toMapping(value: unknown, pattern = ''): Mapping {
  if (isMapping(value)) return value;
  const out = newMapping();
  if (!Array.isArray(value)) return out;
  for (const entry of value) {
    if (typeof entry !== 'string') continue;
    if (pattern.endsWith('depends_on') || pattern.endsWith('networks')) {
      out[entry] = null;
      continue;
    }
    const separator = pattern.endsWith('extra_hosts') ? entry.search(/[=:]/) : entry.indexOf('=');
    if (separator < 0) out[entry] = null;
    else out[entry.slice(0, separator)] = entry.slice(separator + 1);
  }
  return out;
}

function buildMapping(value: unknown): Mapping {
  if (typeof value !== 'string') return isMapping(value) ? value : newMapping();
  const out = newMapping();
  out.context = value;
  return out;
}

/** Drops `!reset` keys and unwraps `!override` where there is nothing underneath to reset or override. */
export function stripTags(value: unknown): unknown {
  if (value instanceof OverrideTag) return stripTags(value.value);
  if (Array.isArray(value)) return value.filter((item) => item !== resetTag).map(stripTags);
  if (isMapping(value)) {
    const out = newMapping();
    for (const [key, item] of Object.entries(value)) if (item !== resetTag) out[key] = stripTags(item);
    return out;
  }
  return value;
}

function patternOf(path: Path): string {
  return path.map((part, index) => (index === 1 && (path[0] === 'services' || path[0] === 'networks' || path[0] === 'volumes') ? '*' : part)).join('.');
}
