import { readBoundedText } from '../io/readDocument.js';
import { parseComposeGraph, type ComposeGraph } from './graph.js';
import type { Environment } from './interpolate.js';

/** Reads a compose file into its service graph, interpolating with `env` (the process environment by default). */
export async function loadComposeGraph(file: string, env: Environment = process.env): Promise<ComposeGraph> {
  return parseComposeGraph(file, await readBoundedText(file), env);
}
