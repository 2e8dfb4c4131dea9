import type { EnvironmentsConfig } from '../config/environments.js';

export interface DemoPorts {
  staging: number;
  production: number;
}

/**
 * The two environments of the demo, as a platform team would configure them: compose projects on the
 * local docker host, the gateway published on a fixed loopback port each, smoke probes through it.
 * DEPLOY_ENV tells the services where they run (the demo's broken release fails only in production).
 */
export function demoEnvironments(prefix: string, ports: DemoPorts): EnvironmentsConfig {
  const environment = (name: 'staging' | 'production') => {
    const gateway = `http://127.0.0.1:${ports[name]}`;
    return {
      protected: true,
      target: {
        type: 'compose' as const,
        project: `${prefix}-${name}`,
        env: { GATEWAY_PUBLISH: `127.0.0.1:${ports[name]}:8080`, DEPLOY_ENV: name },
        // Long enough for a healthy rollout on a busy laptop, short enough that the broken release fails fast.
        healthTimeoutMs: 45_000,
        settleMs: 1_000,
      },
      health: {
        timeoutMs: 5_000,
        disk: { minFreeMb: 512 },
        memory: { minAvailableMb: 256 },
        dependencies: [],
      },
      e2e: {},
      smoke: {
        probes: [
          { name: 'gateway health', url: `${gateway}/healthz`, expectStatus: 200, retries: 5, retryDelayMs: 1_000, timeoutMs: 5_000 },
          {
            name: 'catalog through the gateway',
            url: `${gateway}/api/catalog/products`,
            expectStatus: 200,
            bodyMatch: '"price"',
            latencyBudgetMs: 2_000,
            retries: 5,
            retryDelayMs: 1_000,
            timeoutMs: 5_000,
          },
        ],
      },
      lease: { ttlMs: 600_000 },
    };
  };
  return { staging: environment('staging'), production: environment('production') } as EnvironmentsConfig;
}
