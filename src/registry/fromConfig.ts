import type { RegistryConfig } from '../config/services.js';
import type { RegistryClientOptions, RetryEvent } from './client.js';
import { registriesOf } from './credentials.js';

/**
 * Client options from the config's `registry` section. `images` are the config's image repositories:
 * credentials from the environment go to their registries and to no other host.
 */
export function registryClientOptions(config: RegistryConfig, onRetry?: (event: RetryEvent) => void, images: Iterable<string> = []): RegistryClientOptions {
  return {
    credentialHosts: registriesOf(images),
    insecure: config.insecure,
    concurrency: config.concurrency,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    ...(onRetry ? { onRetry } : {}),
  };
}

export function describeRetry(event: RetryEvent): string {
  return `registry: ${event.problem}; retry ${event.attempt} in ${event.delayMs} ms`;
}
