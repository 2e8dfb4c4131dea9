import type { ComposeGraph } from '../compose/graph.js';

/**
 * The stack's addresses as environment variables for the test suites: for every service with a port,
 * `<NAME>_HOST`, `<NAME>_PORT` and `<NAME>_URL` (http), NAME being the service name upper-cased with
 * every other character that cannot be in a variable name ("-", ".") as "_". The port is the first `expose` entry, else the first published port's container side.
 */
export function stackAddresses(graph: ComposeGraph): Record<string, string> {
  const env: Record<string, string> = {};
  for (const service of Object.values(graph.services)) {
    const port = service.expose[0] ?? service.ports[0]?.target;
    if (port === undefined) continue;
    const name = service.name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
    env[`${name}_HOST`] = service.name;
    env[`${name}_PORT`] = String(port);
    env[`${name}_URL`] = `http://${service.name}:${port}`;
  }
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : 1)));
}
