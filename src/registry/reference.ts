import { LockstepError } from '../errors.js';

/** Where a repository lives: the registry host (with port) and the repository name on it. */
export interface RepositoryLocation {
  /** `host` or `host:port`, as written in the image reference (IPv6 literals keep their brackets). */
  host: string;
  /** The repository path on that registry, e.g. `acme/catalog`. */
  name: string;
}

/** Docker Hub's canonical registry name, the one references and locks carry. */
export const dockerHubRegistry = 'docker.io';
/** The host Docker Hub's registry API is served from; `docker.io` itself redirects to the website. */
export const dockerHubEndpoint = 'registry-1.docker.io';
/** Other names people write for Docker Hub: the legacy index and the API host. */
const dockerHubAliases = new Set(['index.docker.io', dockerHubEndpoint]);

/**
 * A repository in the canonical form Docker's reference rules define: the first component is a
 * registry host when it holds a dot or a colon, is `localhost`, or has upper-case letters (which a
 * path never has); anything else lives on Docker Hub. Hub names (`docker.io`, `index.docker.io`,
 * `registry-1.docker.io`) become `docker.io`, and a single-component Hub name gets `library/`.
 * The one place these rules live: config, lock, policy and the registry client all call it.
 */
export function normalizeRepository(image: string): string {
  const slash = image.indexOf('/');
  const first = slash === -1 ? '' : image.slice(0, slash);
  const isHost = slash !== -1 && namesHost(first);
  let host = isHost ? first : dockerHubRegistry;
  let path = isHost ? image.slice(slash + 1) : image;
  if (dockerHubAliases.has(host.toLowerCase()) || host.toLowerCase() === dockerHubRegistry) host = dockerHubRegistry;
  if (host === dockerHubRegistry && path !== '' && !path.includes('/')) path = `library/${path}`;
  return `${host}/${path}`;
}

/** The short form people write (`nginx`, `acme/app`) for a Docker Hub repository; others unchanged. */
export function familiarRepository(image: string): string {
  const normalized = normalizeRepository(image);
  const hubPrefix = `${dockerHubRegistry}/`;
  if (!normalized.startsWith(hubPrefix)) return image;
  const path = normalized.slice(hubPrefix.length);
  return path.startsWith('library/') && path.split('/').length === 2 ? path.slice('library/'.length) : path;
}

/** The host that serves a registry's API: Docker Hub's is not the host its references name. */
export function registryEndpoint(host: string): string {
  return host === dockerHubRegistry ? dockerHubEndpoint : host;
}

/**
 * Splits an image repository into registry host and name by the rule of distribution/reference: the
 * first component is a host when it holds a dot or a colon or is `localhost`. This takes repositories
 * already in canonical form (see `normalizeRepository`), so one without a host is refused rather than
 * guessed at.
 */
export function parseRepository(image: string): RepositoryLocation {
  const slash = image.indexOf('/');
  const first = slash === -1 ? '' : image.slice(0, slash);
  if (!namesHost(first)) {
    throw new LockstepError('BAD_INPUT', `${image}: the image names no registry host`, {
      hint: `write the repository in full, as <registry-host>/${image}`,
    });
  }
  const name = image.slice(slash + 1);
  if (name.length === 0) throw new LockstepError('BAD_INPUT', `${image}: the image names no repository`);
  return { host: first, name };
}

/** Whether a reference's first component is a registry host rather than a path component. */
function namesHost(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[') || first !== first.toLowerCase();
}

/** Where the registry API for any repository a person may write is served (Docker Hub names mapped). */
export function locateRepository(image: string): RepositoryLocation & { registry: string } {
  const { host, name } = parseRepository(normalizeRepository(image));
  return { host: registryEndpoint(host), name, registry: host };
}

/** The host name without its port (brackets of an IPv6 literal removed). */
export function hostName(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end === -1 ? host : host.slice(1, end);
  }
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

/** Loopback hosts never leave this machine, so plain http to them exposes nothing. */
export function isLoopbackHost(host: string): boolean {
  const name = hostName(host).toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  if (name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  return /^127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(name);
}

/** http for loopback hosts and the hosts the config marks insecure; https for every other registry. */
export function registryScheme(host: string, insecure: readonly string[]): 'http' | 'https' {
  if (isLoopbackHost(host)) return 'http';
  const lower = host.toLowerCase();
  return insecure.some((entry) => entry.toLowerCase() === lower) ? 'http' : 'https';
}

/** Whether a URL may be used at all: https always, http only towards loopback or insecure hosts. */
export function allowedUrl(url: URL, insecure: readonly string[]): boolean {
  if (url.protocol === 'https:') return true;
  if (url.protocol !== 'http:') return false;
  return registryScheme(url.host, insecure) === 'http';
}
