import type { Lease, LeaseResult } from '../target.js';

export interface LeaseKeeper {
  /** Stops renewing; resolves once a renewal in flight has finished. */
  stop(): Promise<void>;
  /** The lease that replaced ours, when a renewal found another holder (ours had expired). */
  lost(): Lease | null;
}

/**
 * Renews a held lease every third of its TTL while the work it guards runs: health waits, migrations
 * and rollouts can outlast any TTL, and an expired lease would let a second deploy take over the
 * environment halfway. Renewing is re-acquiring as the same holder; a renewal that fails is retried at
 * the next tick (the lease still has two thirds of its life), one that finds another holder is lost.
 */
export function keepLease(options: {
  renew: () => Promise<LeaseResult>;
  ttlMs: number;
  onLost: (heldBy: Lease) => void;
  onError: (error: unknown) => void;
}): LeaseKeeper {
  let stopped = false;
  let lost: Lease | null = null;
  let inFlight: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const interval = Math.max(1, Math.floor(options.ttlMs / 3));
  const tick = () => {
    inFlight = options
      .renew()
      .then((result) => {
        if (!result.acquired) {
          lost = result.heldBy;
          options.onLost(result.heldBy);
        }
      })
      .catch(options.onError)
      .finally(() => {
        if (!stopped && lost === null) schedule();
      });
  };
  const schedule = () => {
    timer = setTimeout(tick, interval);
    timer.unref();
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await inFlight;
    },
    lost: () => lost,
  };
}
