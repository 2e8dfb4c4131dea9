import { stringify } from 'yaml';
import { parseYamlText, readBoundedText } from '../io/readDocument.js';
import { parseComposeGraph, type ComposeGraph } from './graph.js';
import type { Environment } from './interpolate.js';
import { loadComposeGraph } from './loadGraph.js';

type Mapping = Record<string, unknown>;

const isMapping = (value: unknown): value is Mapping => value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * The graph of several compose files given with `-f` in order: each service's keys are merged as
 * compose merges them (a later file's key replaces an earlier one's), then read as one file.
 */
export async function loadComposeFiles(files: readonly string[], env: Environment): Promise<ComposeGraph> {
  const [only] = files;
  if (only !== undefined && files.length === 1) return loadComposeGraph(only, env);
  const documents = await Promise.all(files.map(async (file) => parseYamlText(file, await readBoundedText(file))));
  return parseComposeGraph(files.join(' + '), stringify(mergeComposeDocuments(documents)), env);
}

export function mergeComposeDocuments(documents: readonly unknown[]): Mapping {
  const merged: Mapping = {};
  for (const document of documents) {
    if (!isMapping(document)) continue;
    for (const [key, value] of Object.entries(document)) {
      if (key === 'services' || key === 'volumes') merged[key] = mergeEntries(merged[key], value);
      else merged[key] = value;
    }
  }
  return merged;
}

function mergeEntries(before: unknown, after: unknown): Mapping {
  const merged: Mapping = { ...(isMapping(before) ? before : {}) };
  for (const [name, entry] of Object.entries(isMapping(after) ? after : {})) {
    const earlier = merged[name];
    merged[name] = isMapping(earlier) && isMapping(entry) ? { ...earlier, ...entry } : (entry ?? earlier ?? null);
  }
  return merged;
}
