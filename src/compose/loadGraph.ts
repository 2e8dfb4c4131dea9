import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { InputError } from '../errors.js';
import { decodeUtf8, defaultMaxBytes } from '../io/readDocument.js';
import { readComposeGraph, type ComposeGraph } from './graph.js';
import type { Environment } from './interpolate.js';
import { loadComposeProject } from './loadProject.js';

export interface LoadGraphOptions {
  /** More compose files merged over the first, as compose's further `-f` flags. */
  overrides?: string[];
  /** Replaces the `.env` beside the first compose file (compose's `--env-file`). */
  envFile?: string | null;
}

/**
 * Reads a compose project into its service graph: the files compose would read (the `.env` beside
 * the first file, env_file, extends and include files) with the shell's environment (`env`, the
 * process environment by default) over the `.env`.
 */
export async function loadComposeGraph(file: string, env: Environment = process.env, options: LoadGraphOptions = {}): Promise<ComposeGraph> {
  const project = loadComposeProject({ files: [file, ...(options.overrides ?? [])], envFile: options.envFile ?? null, env, read: readTextIfPresent });
  return readComposeGraph(file, project, readTextIfPresent);
}

/** A file's text, or undefined when there is no such file; bounded like every document lockstep reads. */
function readTextIfPresent(file: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new InputError(file, undefined, `cannot be read (${code ?? 'error'})`);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new InputError(file, undefined, info.isDirectory() ? 'is a directory, not a file' : 'is not a regular file');
    if (info.size > defaultMaxBytes) throw new InputError(file, undefined, `is ${info.size} bytes, over the ${defaultMaxBytes}-byte limit`);
    const buffer = Buffer.alloc(info.size);
    const read = readSync(fd, buffer, 0, info.size, 0);
    return decodeUtf8(file, buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}
