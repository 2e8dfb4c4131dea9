import { LockstepError } from '../errors.js';

/** Where a repository lives: the registry host (with port) and the repository name on it. */
export interface RepositoryLocation {
  /** `host` or `host:port`, as written in the image reference (IPv6 literals keep their brackets). */
  host: string;
  /** The repository path on that registry, e.g. `acme/catalog`. */
  name: string;
}

/**
 * Splits an image repository into registry host and name by the rule of distribution/reference: the
 * first component is a host when it holds a dot or a colon or is `localhost`. lockstep locks pin where
 * an image comes from, so a repository without a host (an implicit default registry) is refused.
 */
export function parseRepository(image: string): RepositoryLocation {
  const slash = image.indexOf('/');
  const first = slash === -1 ? '' : image.slice(0, slash);
  const isHost = first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('[');
  if (!isHost) {
    throw new LockstepError('BAD_INPUT', `${image}: the image names no registry host`, {
      hint: `write the repository in full, as <registry-host>/${image}`,
    });
  }
  const name = image.slice(slash + 1);
  if (name.length === 0) throw new LockstepError('BAD_INPUT', `${image}: the image names no repository`);
  return { host: first, name };
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
