import type { ComposeGraph } from '../compose/graph.js';

/** NAME of `<NAME>_URL`: the service name upper-cased, every character a variable name cannot hold ("-", ".") as "_". */
function variablePrefix(service: string): string {
  return service.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

function sorted(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The stack's addresses as environment variables for the test suites: for every service with a port,
 * `<NAME>_HOST`, `<NAME>_PORT` and `<NAME>_URL` (http). The port is the first `expose` entry, else
 * the first published port's container side.
 */
export function stackAddresses(graph: ComposeGraph): Record<string, string> {
  const env: Record<string, string> = {};
  for (const service of Object.values(graph.services)) {
    const port = service.expose[0] ?? service.ports[0]?.target;
    if (port === undefined) continue;
    const name = variablePrefix(service.name);
    env[`${name}_HOST`] = service.name;
    env[`${name}_PORT`] = String(port);
    env[`${name}_URL`] = `http://${service.name}:${port}`;
  }
  return sorted(env);
}

/**
 * An environment's configured endpoints as the same variables the stack stage gives the suites, so a
 * suite written against the stack runs unchanged against a Kubernetes or GitOps environment:
 * `<NAME>_URL` is the endpoint as configured (without a trailing slash), `<NAME>_HOST` its host name
 * and `<NAME>_PORT` its port (the scheme's default when the URL names none).
 */
export function endpointAddresses(endpoints: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [service, endpoint] of Object.entries(endpoints)) {
    const url = new URL(endpoint);
    const name = variablePrefix(service);
    env[`${name}_HOST`] = url.hostname.replace(/^\[(.*)\]$/, '$1');
    env[`${name}_PORT`] = url.port || (url.protocol === 'https:' ? '443' : '80');
    env[`${name}_URL`] = endpoint.replace(/\/+$/, '');
  }
  return sorted(env);
}
