import { homedir } from 'node:os';
import { join } from 'node:path';
import { InputError, LockstepError } from '../errors.js';
import { run } from '../exec/run.js';
import { readBoundedText } from '../io/readDocument.js';
import { dockerHubRegistry, normalizeRepository, parseRepository } from './reference.js';

export interface BasicCredentials {
  username: string;
  password: string;
  /**
   * An OAuth2 refresh token (docker config `identitytoken`, or a helper's `<token>` user): exchanged
   * at the token realm with `grant_type=refresh_token` instead of sending a password (ACR, Docker Hub SSO).
   */
  identityToken?: string;
  /** Where they came from, for messages: never the values themselves. */
  source: string;
}

/**
 * Finds the credentials for a registry (its canonical name: `docker.io` for Docker Hub) and a repository
 * on it, or undefined to go anonymous.
 */
export type CredentialLookup = (registry: string, repository?: string) => Promise<BasicCredentials | undefined>;

/** Runs `docker-credential-<helper> get` with the server URL on stdin and returns its stdout. */
export type CredentialHelperRunner = (helper: string, serverUrl: string) => Promise<{ ok: true; stdout: string } | { ok: false; message: string }>;

/** The names Docker Hub's entries are filed under: `docker login` writes the legacy v1 index URL. */
const hubAuthHosts = new Set([dockerHubRegistry, 'index.docker.io', 'registry-1.docker.io']);
/** The server URL Docker hands credential helpers for Docker Hub. */
export const dockerHubServerUrl = 'https://index.docker.io/v1/';

interface AuthKey {
  /** Canonical registry name (`docker.io` for every Hub alias). */
  registry: string;
  /** A repository namespace (podman's `quay.io/org`), or '' for the whole registry. */
  namespace: string;
}

/** The keys of `auths` come as `host`, `https://host`, `http://host/v1/`...: compare by host only. */
export function hostOfAuthKey(key: string): string {
  const withoutScheme = key.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  const slash = withoutScheme.indexOf('/');
  return slash === -1 ? withoutScheme : withoutScheme.slice(0, slash);
}

/**
 * An `auths` key as Docker and podman write it: a scheme is dropped, Hub's aliases become `docker.io`,
 * API-version paths (`/v1/`, `/v2/`) mean the whole registry, any other path is a namespace.
 */
export function parseAuthKey(key: string): AuthKey {
  const host = hostOfAuthKey(key);
  const rest = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = rest.indexOf('/');
  const path = slash === -1 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
  const namespace = /^v[12]$/i.test(path) ? '' : path;
  return { registry: hubAuthHosts.has(host) ? dockerHubRegistry : host, namespace };
}

function registryKey(registry: string): string {
  const lower = registry.toLowerCase();
  return hubAuthHosts.has(lower) ? dockerHubRegistry : lower;
}

/**
 * Picks the entry for a registry (and repository) out of a parsed docker config (`{ auths: { <key>: {
 * auth | username, password | identitytoken } } }`). Of the keys that match, the most specific wins:
 * `quay.io/org-b` before `quay.io`. `auth` is base64 of `user:password`; the password may hold colons.
 */
export function credentialsFromDockerConfig(file: string, data: unknown, registry: string, repository = ''): BasicCredentials | undefined {
  const auths = authsOf(file, data);
  if (auths === undefined) return undefined;
  const wanted = registryKey(registry);
  let best: { key: string; entry: unknown; depth: number } | undefined;
  for (const [key, entry] of Object.entries(auths)) {
    const parsed = parseAuthKey(key);
    if (parsed.registry !== wanted) continue;
    if (parsed.namespace !== '' && repository !== parsed.namespace && !repository.startsWith(`${parsed.namespace}/`)) continue;
    const depth = parsed.namespace === '' ? 0 : parsed.namespace.split('/').length;
    if (!best || depth > best.depth) best = { key, entry, depth };
  }
  return best ? decodeAuthEntry(file, best.key, best.entry) : undefined;
}

function authsOf(file: string, data: unknown): Record<string, unknown> | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new InputError(file, undefined, 'must hold a JSON object');
  const auths = (data as { auths?: unknown }).auths;
  if (auths === undefined) return undefined;
  if (auths === null || typeof auths !== 'object' || Array.isArray(auths)) throw new InputError(file, 'auths', 'must be an object');
  return auths as Record<string, unknown>;
}

function decodeAuthEntry(file: string, key: string, entry: unknown): BasicCredentials | undefined {
  if (entry === null || typeof entry !== 'object') throw new InputError(file, `auths.${key}`, 'must be an object');
  const { auth, username, password, identitytoken } = entry as { auth?: unknown; username?: unknown; password?: unknown; identitytoken?: unknown };
  let found: BasicCredentials | undefined;
  if (typeof auth === 'string' && auth !== '') {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) throw new InputError(file, `auths.${key}.auth`, 'must be base64 of "username:password"');
    found = { username: decoded.slice(0, colon), password: decoded.slice(colon + 1), source: file };
  } else if (typeof username === 'string' && typeof password === 'string' && username !== '') {
    found = { username, password, source: file };
  }
  if (typeof identitytoken === 'string' && identitytoken !== '') {
    return { username: found?.username ?? '', password: '', identityToken: identitytoken, source: file };
  }
  return found;
}

/** The helper Docker would use for a registry: `credHelpers[host]`, else `credsStore`, else none. */
export function credentialHelperFor(file: string, data: unknown, registry: string): string | undefined {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw new InputError(file, undefined, 'must hold a JSON object');
  const { credHelpers, credsStore } = data as { credHelpers?: unknown; credsStore?: unknown };
  const wanted = registryKey(registry);
  if (credHelpers !== undefined) {
    if (credHelpers === null || typeof credHelpers !== 'object' || Array.isArray(credHelpers)) throw new InputError(file, 'credHelpers', 'must be an object');
    for (const [key, helper] of Object.entries(credHelpers as Record<string, unknown>)) {
      if (parseAuthKey(key).registry !== wanted) continue;
      return checkHelperName(file, `credHelpers.${key}`, helper);
    }
  }
  if (credsStore !== undefined && credsStore !== '') return checkHelperName(file, 'credsStore', credsStore);
  return undefined;
}

function checkHelperName(file: string, field: string, helper: unknown): string {
  // The name becomes part of a program name: a path or an option must never come out of it.
  if (typeof helper !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(helper)) {
    throw new InputError(file, field, 'must name a credential helper (docker-credential-<name>): letters, digits, ".", "_", "-"');
  }
  return helper;
}

/** Parses a helper's `get` answer (`{ ServerURL, Username, Secret }`); `<token>` marks an identity token. */
export function credentialsFromHelperOutput(helper: string, stdout: string): BasicCredentials | undefined {
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(stdout) as typeof parsed;
  } catch {
    throw new LockstepError('REGISTRY', `docker-credential-${helper} answered with something that is not JSON`);
  }
  const source = `docker-credential-${helper}`;
  if (typeof parsed.Secret !== 'string' || parsed.Secret === '') return undefined;
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  if (username === '<token>') return { username: '', password: '', identityToken: parsed.Secret, source };
  return { username, password: parsed.Secret, source };
}

/** The server URL a helper is asked about: Docker keeps Hub's under its legacy index URL. */
function helperServerUrl(registry: string): string {
  return registryKey(registry) === dockerHubRegistry ? dockerHubServerUrl : registry;
}

/** `docker-credential-<helper> get`, protocol over stdin/stdout, an argument array and a timeout. */
export const runCredentialHelper: CredentialHelperRunner = async (helper, serverUrl) => {
  const result = await run(`docker-credential-${helper}`, ['get'], { input: serverUrl, timeoutMs: 30_000, allowFailure: true, errorCode: 'REGISTRY' });
  if (result.exitCode === 0) return { ok: true, stdout: result.stdout };
  // Helpers print their error on stdout; "credentials not found" is the normal "no entry".
  return { ok: false, message: (result.stdout.trim() || result.stderr.trim()).split('\n')[0]!.slice(0, 200) };
};

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

export interface CredentialLookupOptions {
  /**
   * The registries LOCKSTEP_REGISTRY_USERNAME/PASSWORD are for (the hosts of the config's images). They
   * are never offered to any other host, whatever answers 401. LOCKSTEP_REGISTRY_HOST adds to them.
   */
  hosts?: readonly string[];
  runHelper?: CredentialHelperRunner;
}

/** The registry names credentials given in the environment are bound to. */
export function boundRegistries(env: NodeJS.ProcessEnv, hosts: readonly string[] = []): Set<string> {
  const named = (env.LOCKSTEP_REGISTRY_HOST ?? '').split(',').map((host) => host.trim()).filter((host) => host !== '');
  return new Set([...hosts, ...named].map(registryKey));
}

/** The registries of a set of image repositories, as credentials are bound to them. */
export function registriesOf(images: Iterable<string>): string[] {
  return [...new Set([...images].map((image) => parseRepository(normalizeRepository(image)).host))];
}

/**
 * Credentials, first match wins: `LOCKSTEP_REGISTRY_USERNAME` + `LOCKSTEP_REGISTRY_PASSWORD` for the
 * registries they are bound to, then the docker-config-format file named by
 * `LOCKSTEP_REGISTRY_AUTH_FILE`, then `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`; in each
 * file `credHelpers`/`credsStore` as Docker applies them, then `auths`. Files are read only when a
 * registry asks for credentials, and once; a helper is asked once per registry.
 */
export function createCredentialLookup(env: NodeJS.ProcessEnv = process.env, home: () => string = homedir, options: CredentialLookupOptions = {}): CredentialLookup {
  const username = env.LOCKSTEP_REGISTRY_USERNAME;
  const password = env.LOCKSTEP_REGISTRY_PASSWORD;
  if ((username === undefined) !== (password === undefined)) {
    const missing = username === undefined ? 'LOCKSTEP_REGISTRY_USERNAME' : 'LOCKSTEP_REGISTRY_PASSWORD';
    const present = username === undefined ? 'LOCKSTEP_REGISTRY_PASSWORD' : 'LOCKSTEP_REGISTRY_USERNAME';
    throw new InputError(missing, undefined, `is not set, but ${present} is: set both or neither`);
  }
  let fromEnv: BasicCredentials | undefined;
  if (username !== undefined && password !== undefined) {
    if (username === '') throw new InputError('LOCKSTEP_REGISTRY_USERNAME', undefined, 'is empty');
    fromEnv = { username, password, source: 'LOCKSTEP_REGISTRY_USERNAME/LOCKSTEP_REGISTRY_PASSWORD' };
  }
  const bound = boundRegistries(env, options.hosts);
  const runHelper = options.runHelper ?? runCredentialHelper;
  const files: Array<{ file: string; required: boolean }> = [];
  if (env.LOCKSTEP_REGISTRY_AUTH_FILE) files.push({ file: env.LOCKSTEP_REGISTRY_AUTH_FILE, required: true });
  files.push({ file: join(env.DOCKER_CONFIG || join(home(), '.docker'), 'config.json'), required: false });
  const loaded = new Map<string, Promise<unknown>>();
  const helperAnswers = new Map<string, Promise<BasicCredentials | undefined>>();
  const askHelper = (helper: string, registry: string) => {
    const key = `${helper}\n${registry}`;
    let answer = helperAnswers.get(key);
    if (!answer) {
      answer = runHelper(helper, helperServerUrl(registry)).then((result) => {
        if (result.ok) return credentialsFromHelperOutput(helper, result.stdout);
        if (/credentials not found/i.test(result.message)) return undefined;
        throw new LockstepError('REGISTRY', `docker-credential-${helper} could not give credentials for ${registry}: ${result.message}`);
      });
      helperAnswers.set(key, answer);
    }
    return answer;
  };
  return async (registry, repository = '') => {
    if (fromEnv && bound.has(registryKey(registry))) return fromEnv;
    for (const { file, required } of files) {
      let data = loaded.get(file);
      if (!data) {
        data = readDockerConfig(file, required);
        loaded.set(file, data);
      }
      const parsed = await data;
      if (parsed === undefined) continue;
      const helper = credentialHelperFor(file, parsed, registry);
      if (helper) {
        const found = await askHelper(helper, registry);
        if (found) return found;
      }
      const found = credentialsFromDockerConfig(file, parsed, registry, repository);
      if (found) return found;
    }
    return undefined;
  };
}
