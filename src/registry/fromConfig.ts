import type { RegistryConfig } from '../config/services.js';
import type { RegistryClientOptions, RetryEvent } from './client.js';

/** Client options from the config's `registry` section. */
export function registryClientOptions(config: RegistryConfig, onRetry?: (event: RetryEvent) => void): RegistryClientOptions {
  return {
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
