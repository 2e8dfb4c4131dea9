import { InputError, isLockstepError } from '../errors.js';
import { decodeUtf8, defaultMaxBytes, parseYamlText, validate } from '../io/readDocument.js';
import { checkIntegrity } from '../lock/read.js';
import { releaseLock, type ReleaseLock } from '../lock/schema.js';
import type { GitHubPort } from './port.js';

export type RemoteLock =
  | { state: 'absent'; label: string }
  | { state: 'valid'; label: string; lock: ReleaseLock; bytes: Buffer }
  | { state: 'invalid'; label: string; problem: string; bytes: Buffer };

/** Parses lock bytes as `readLock` parses a file: bounded, strict YAML, schema, integrity. */
export function parseLockBytes(label: string, bytes: Buffer): ReleaseLock {
  if (bytes.length > defaultMaxBytes) throw new InputError(label, undefined, `is ${bytes.length} bytes, over the ${defaultMaxBytes}-byte limit`);
  const lock = validate(label, releaseLock, parseYamlText(label, decodeUtf8(label, bytes)));
  checkIntegrity(label, lock);
  return lock;
}

export function classifyLockBytes(label: string, bytes: Buffer): RemoteLock {
  try {
    return { state: 'valid', label, lock: parseLockBytes(label, bytes), bytes };
  } catch (error) {
    if (isLockstepError(error)) return { state: 'invalid', label, problem: error.message, bytes };
    throw error;
  }
}

/** The lock committed at `ref`, labelled `path@ref` in messages; a broken one is reported, not thrown. */
export async function readRemoteLock(github: GitHubPort, path: string, ref: string): Promise<RemoteLock> {
  const label = `${path}@${ref}`;
  const file = await github.readFile(path, ref);
  if (!file) return { state: 'absent', label };
  return classifyLockBytes(label, file.content);
}
