import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';

/** The certificate authorities (and client certificate) used for TLS to one host, and where they came from. */
export interface HostTrust {
  /** Undefined when Node's own defaults are all there is (the fast path: no context to build). */
  secureContext: SecureContext | undefined;
  /** What was tried, in words for an error message: never certificate contents. */
  sources: string[];
}

/** Where a system keeps its CA bundle, as OpenSSL builds on each distribution look for it. */
const systemBundles = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem', '/etc/ssl/ca-bundle.pem'];

/**
 * The per-registry certificate folders Docker and podman read (`<root>/<host[:port]>/*.crt` CAs,
 * `*.cert` + `*.key` client certificates). LOCKSTEP_CERTS_D (colon-separated) replaces the list.
 */
export function certsDirectories(env: NodeJS.ProcessEnv = process.env, home: string = env.HOME ?? homedir()): string[] {
  if (env.LOCKSTEP_CERTS_D) return env.LOCKSTEP_CERTS_D.split(':').filter((dir) => dir !== '');
  const config = env.XDG_CONFIG_HOME || join(home, '.config');
  return ['/etc/docker/certs.d', join(config, 'docker', 'certs.d'), '/etc/containers/certs.d', join(config, 'containers', 'certs.d')];
}

function readIfFile(file: string): string | undefined {
  try {
    return statSync(file).isFile() ? readFileSync(file, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

function filesIn(dir: string, suffix: string): string[] {
  try {
    return readdirSync(dir)
      .filter((name) => name.endsWith(suffix))
      .sort()
      .map((name) => join(dir, name));
  } catch {
    return [];
  }
}

/**
 * Builds what TLS to `host` (`name` or `name:port`) trusts: Node's bundled CAs and NODE_EXTRA_CA_CERTS,
 * the system bundle, or SSL_CERT_FILE / SSL_CERT_DIR in their place when set (as OpenSSL reads them),
 * plus the host's own certs.d folder. Read once per host per run.
 */
export function trustFor(host: string, env: NodeJS.ProcessEnv = process.env): HostTrust {
  const ca: string[] = [];
  const sources: string[] = ["Node's bundled CAs"];
  let extra = false;
  if (env.NODE_EXTRA_CA_CERTS) sources.push(`NODE_EXTRA_CA_CERTS=${env.NODE_EXTRA_CA_CERTS}`);
  const addFile = (file: string, label: string) => {
    const text = readIfFile(file);
    if (text === undefined) return false;
    ca.push(text);
    sources.push(label);
    extra = true;
    return true;
  };
  if (env.SSL_CERT_FILE) {
    if (!addFile(env.SSL_CERT_FILE, `SSL_CERT_FILE=${env.SSL_CERT_FILE}`)) sources.push(`SSL_CERT_FILE=${env.SSL_CERT_FILE} (not readable)`);
  }
  if (env.SSL_CERT_DIR) {
    const dirs = env.SSL_CERT_DIR.split(':').filter((dir) => dir !== '');
    const files = dirs.flatMap((dir) => [...filesIn(dir, '.pem'), ...filesIn(dir, '.crt'), ...filesIn(dir, '.0')]);
    for (const file of files) {
      const text = readIfFile(file);
      if (text !== undefined) ca.push(text);
    }
    if (files.length > 0) extra = true;
    sources.push(`SSL_CERT_DIR=${env.SSL_CERT_DIR} (${files.length} file${files.length === 1 ? '' : 's'})`);
  }
  if (!env.SSL_CERT_FILE && !env.SSL_CERT_DIR) {
    const bundle = systemBundles.find((file) => existsSync(file));
    // The system bundle only matters when something else makes us build a context; Node's own set
    // covers the public registries, so it is added lazily below.
    if (bundle) sources.push(`the system bundle ${bundle}`);
  }
  let cert: string | undefined;
  let key: string | undefined;
  for (const root of certsDirectories(env)) {
    const dir = join(root, host);
    for (const file of filesIn(dir, '.crt')) addFile(file, file);
    const clientCert = filesIn(dir, '.cert')[0];
    if (clientCert) {
      const keyFile = clientCert.replace(/\.cert$/, '.key');
      const certText = readIfFile(clientCert);
      const keyText = readIfFile(keyFile);
      if (certText && keyText) {
        cert = certText;
        key = keyText;
        sources.push(`client certificate ${clientCert}`);
        extra = true;
      }
    }
  }
  if (!extra) return { secureContext: undefined, sources };
  const base = [...rootCertificates];
  if (env.NODE_EXTRA_CA_CERTS) {
    const text = readIfFile(env.NODE_EXTRA_CA_CERTS);
    if (text) base.push(text);
  }
  if (!env.SSL_CERT_FILE && !env.SSL_CERT_DIR) {
    const bundle = systemBundles.find((file) => existsSync(file));
    const text = bundle ? readIfFile(bundle) : undefined;
    if (text) base.push(text);
  }
  const secureContext = createSecureContext({ ca: [...base, ...ca], ...(cert && key ? { cert, key } : {}) });
  return { secureContext, sources };
}

/** One line for a TLS failure: the host, the CAs tried, and how to add one. */
export function tlsFailureMessage(host: string, code: string, sources: readonly string[]): string {
  const name = host.replace(/:443$/, '');
  return (
    `${host}: TLS failure (${code}); trusted: ${sources.join(', ')}. ` +
    `To trust a private CA, set SSL_CERT_FILE (or SSL_CERT_DIR) to it, or place it at /etc/docker/certs.d/${name}/ca.crt`
  );
}
