import { isIP } from 'node:net';

/** The proxy variables, read as curl reads them: lower case first, then upper case. */
function variable(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name.toLowerCase()] ?? env[name.toUpperCase()];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * The proxy a request to `url` goes through, from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY, or undefined
 * to connect directly (no variable set, or NO_PROXY matches the host). A proxy written without a scheme
 * is http://, as curl takes it.
 */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv = process.env): URL | undefined {
  const scheme = url.protocol.replace(/:$/, '');
  const configured = variable(env, `${scheme}_proxy`) ?? variable(env, 'all_proxy');
  if (configured === undefined) return undefined;
  if (bypassesProxy(url, variable(env, 'no_proxy') ?? '')) return undefined;
  let proxy: URL;
  try {
    proxy = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(configured) ? configured : `http://${configured}`);
  } catch {
    throw new ProxySettingError(`${scheme.toUpperCase()}_PROXY is not a URL`);
  }
  if (proxy.protocol !== 'http:') throw new ProxySettingError(`${scheme.toUpperCase()}_PROXY: only http:// proxies are supported (got ${proxy.protocol}//)`);
  return proxy;
}

/** A proxy variable that cannot be used; the message names the variable, never its credentials. */
export class ProxySettingError extends Error {
  override readonly name = 'ProxySettingError';
}

/**
 * NO_PROXY as curl applies it: `*` alone bypasses every host; otherwise a comma- (or space-) separated
 * list of host names, each matching itself and its subdomains (a leading dot is ignored), IP addresses,
 * and (since curl 7.86) IP ranges in CIDR notation. An entry with a port matches that port only.
 */
export function bypassesProxy(url: URL, noProxy: string): boolean {
  const entries = noProxy.split(/[\s,]+/).map((entry) => entry.trim().toLowerCase()).filter((entry) => entry !== '');
  if (entries.includes('*')) return true;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return entries.some((entry) => {
    const { name, entryPort } = splitEntry(entry);
    if (entryPort !== undefined && entryPort !== port) return false;
    if (name.includes('/')) return inCidr(host, name);
    if (isIP(host) !== 0 || isIP(name) !== 0) return host === name;
    const domain = name.replace(/^\*?\./, '');
    return host === domain || host.endsWith(`.${domain}`);
  });
}

function splitEntry(entry: string): { name: string; entryPort: string | undefined } {
  const [, bracketedName, bracketedPort] = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry) ?? [];
  if (bracketedName !== undefined) return { name: bracketedName, entryPort: bracketedPort };
  // A bare IPv6 address has colons that are not a port.
  if (isIP(entry.split('/')[0]!) === 6) return { name: entry, entryPort: undefined };
  const colon = entry.lastIndexOf(':');
  if (colon !== -1 && /^\d+$/.test(entry.slice(colon + 1))) return { name: entry.slice(0, colon), entryPort: entry.slice(colon + 1) };
  return { name: entry, entryPort: undefined };
}

function inCidr(host: string, cidr: string): boolean {
  const [network = '', bitsText = ''] = cidr.split('/');
  const family = isIP(network);
  if (family === 0 || isIP(host) !== family) return false;
  const bits = Number(bitsText);
  const a = addressBits(host, family);
  const b = addressBits(network, family);
  if (!Number.isInteger(bits) || bits < 0 || bits > a.length) return false;
  return a.slice(0, bits) === b.slice(0, bits);
}

function addressBits(address: string, family: number): string {
  if (family === 4) return address.split('.').map((part) => Number(part).toString(2).padStart(8, '0')).join('');
  const [head = '', tail = ''] = address.split('::');
  const headParts = head === '' ? [] : head.split(':');
  const tailParts = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts] : headParts;
  return groups.map((group: string) => parseInt(group || '0', 16).toString(2).padStart(16, '0')).join('');
}
