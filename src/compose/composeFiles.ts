import type { ComposeGraph } from './graph.js';
import type { Environment } from './interpolate.js';
import { loadComposeGraph } from './loadGraph.js';
import { mergeModels, stripTags } from './mergeModel.js';
import type { Mapping } from './yamlTree.js';

/**
 * The graph of several compose files given with `-f` in order, read as compose reads them (the
 * first file's folder is the project directory; its `.env` applies).
 */
export async function loadComposeFiles(files: readonly string[], env: Environment): Promise<ComposeGraph> {
  const [first, ...overrides] = files;
  if (first === undefined) throw new Error('loadComposeFiles needs at least one file');
  return loadComposeGraph(first, env, { overrides });
}

/** Parsed compose documents merged in order by compose's rules (see mergeModels). */
export function mergeComposeDocuments(documents: readonly unknown[]): Mapping {
  return stripTags(documents.reduce((merged: unknown, document) => mergeModels(merged, document), undefined) ?? {}) as Mapping;
}
