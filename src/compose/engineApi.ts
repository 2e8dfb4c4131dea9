import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { homedir } from 'node:os';
import { join } from 'node:path';

/**
 * Read-only access to the Docker Engine API over its socket, for the health poll: `stack up` reads
 * every container's state several times a second, and two docker CLI processes per read cost a fifth
 * of a core that the starting containers need. Only where lockstep can tell for sure which daemon the
 * CLI would use (the default socket, DOCKER_HOST=unix:// or plain tcp://); docker contexts, ssh and
 * TLS are left to the CLI.
 */
export type EngineEndpoint = { socketPath: string } | { host: string; port: number };

export function engineEndpoint(env: NodeJS.ProcessEnv = process.env, readConfig: (file: string) => string = (file) => readFileSync(file, 'utf8')): EngineEndpoint | null {
  if (env.LOCKSTEP_DOCKER_API === '0' || (env.DOCKER_CONTEXT && env.DOCKER_CONTEXT !== 'default')) return null;
  const host = env.DOCKER_HOST;
  if (host) {
    if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
    if (host.startsWith('tcp://') && !env.DOCKER_TLS_VERIFY) {
      const url = new URL(`http://${host.slice('tcp://'.length)}`);
      return { host: url.hostname, port: Number(url.port || 2375) };
    }
    return null;
  }
  const configDir = env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker');
  try {
    const context = (JSON.parse(readConfig(join(configDir, 'config.json'))) as { currentContext?: string }).currentContext;
    if (context && context !== 'default') return null;
  } catch {
    // No CLI config file: the CLI uses the default socket too.
  }
  return { socketPath: '/var/run/docker.sock' };
}

export class EngineApiError extends Error {
  override readonly name = 'EngineApiError';
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** GET a JSON document from the engine; non-2xx answers reject with their status. */
export function engineGet<T>(endpoint: EngineEndpoint, path: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(
      { ...endpoint, path, method: 'GET', headers: { accept: 'application/json' }, signal: options.signal, timeout: options.timeoutMs ?? 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status > 299) return reject(new EngineApiError(`docker engine answered ${status} to GET ${path}: ${body.trim().slice(0, 200)}`, status));
          try {
            resolve(JSON.parse(body) as T);
          } catch {
            reject(new EngineApiError(`docker engine sent no JSON for GET ${path}`, status));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new EngineApiError(`docker engine did not answer GET ${path} in time`, null)));
    req.on('error', reject);
    req.end();
  });
}
