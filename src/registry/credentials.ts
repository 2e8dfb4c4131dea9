import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { readBoundedText } from '../io/readDocument.js';

export interface BasicCredentials {
  username: string;
  password: string;
  /** Where they came from, for messages: never the values themselves. */
  source: string;
}

/** Finds the credentials for a registry host, or undefined to go anonymous. */
export type CredentialLookup = (host: string) => Promise<BasicCredentials | undefined>;

/** The keys of `auths` come as `host`, `https://host`, `http://host/v1/`...: compare by host only. */
export function hostOfAuthKey(key: string): string {
  const withoutScheme = key.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = withoutScheme.indexOf('/');
  return slash === -1 ? withoutScheme : withoutScheme.slice(0, slash);
}

/**
 * Picks the entry for `host` out of a parsed docker config (`{ auths: { <key>: { auth | username,
 * password } } }`). `auth` is base64 of `user:password`; the password may itself hold colons.
 */
export function credentialsFromDockerConfig(file: string, data: unknown, host: string): BasicCredentials | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new InputError(file, undefined, 'must hold a JSON object');
  const auths = (data as { auths?: unknown }).auths;
  if (auths === undefined) return undefined;
  if (auths === null || typeof auths !== 'object' || Array.isArray(auths)) throw new InputError(file, 'auths', 'must be an object');
  const wanted = host.toLowerCase();
  for (const [key, entry] of Object.entries(auths as Record<string, unknown>)) {
    if (hostOfAuthKey(key) !== wanted) continue;
    if (entry === null || typeof entry !== 'object') throw new InputError(file, `auths.${key}`, 'must be an object');
    const { auth, username, password } = entry as { auth?: unknown; username?: unknown; password?: unknown };
    if (typeof auth === 'string' && auth !== '') {
      const decoded = Buffer.from(auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) throw new InputError(file, `auths.${key}.auth`, 'must be base64 of "username:password"');
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: file };
    }
    if (typeof username === 'string' && typeof password === 'string' && username !== '') {
      return { username, password, source: file };
    }
  }
  return undefined;
}

async function readDockerConfig(file: string, required: boolean): Promise<unknown> {
  let text: string;
  try {
    text = await readBoundedText(file, { maxBytes: 1024 * 1024 });
  } catch (error) {
    if (!required && error instanceof InputError && error.problem === 'file not found') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InputError(file, undefined, 'is not valid JSON');
  }
}

/**
 * Credentials, first match wins: `LOCKSTEP_REGISTRY_USERNAME` + `LOCKSTEP_REGISTRY_PASSWORD` (offered
 * to every registry that asks), then the docker-config-format file named by
 * `LOCKSTEP_REGISTRY_AUTH_FILE`, then `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. Files are
 * read only when a registry asks for credentials, and once.
 */
export function createCredentialLookup(env: NodeJS.ProcessEnv = process.env, home: () => string = homedir): CredentialLookup {
  const username = env.LOCKSTEP_REGISTRY_USERNAME;
  const password = env.LOCKSTEP_REGISTRY_PASSWORD;
  if ((username === undefined) !== (password === undefined)) {
    const missing = username === undefined ? 'LOCKSTEP_REGISTRY_USERNAME' : 'LOCKSTEP_REGISTRY_PASSWORD';
    const present = username === undefined ? 'LOCKSTEP_REGISTRY_PASSWORD' : 'LOCKSTEP_REGISTRY_USERNAME';
    throw new InputError(missing, undefined, `is not set, but ${present} is: set both or neither`);
  }
  if (username !== undefined && password !== undefined) {
    if (username === '') throw new InputError('LOCKSTEP_REGISTRY_USERNAME', undefined, 'is empty');
    const fromEnv = { username, password, source: 'LOCKSTEP_REGISTRY_USERNAME/LOCKSTEP_REGISTRY_PASSWORD' };
    return async () => fromEnv;
  }
  const files: Array<{ file: string; required: boolean }> = [];
  if (env.LOCKSTEP_REGISTRY_AUTH_FILE) files.push({ file: env.LOCKSTEP_REGISTRY_AUTH_FILE, required: true });
  files.push({ file: join(env.DOCKER_CONFIG || join(home(), '.docker'), 'config.json'), required: false });
  const loaded = new Map<string, Promise<unknown>>();
  return async (host) => {
    for (const { file, required } of files) {
      let data = loaded.get(file);
      if (!data) {
        data = readDockerConfig(file, required);
        loaded.set(file, data);
      }
      const parsed = await data;
      if (parsed === undefined) continue;
      const found = credentialsFromDockerConfig(file, parsed, host);
      if (found) return found;
    }
    return undefined;
  };
}
