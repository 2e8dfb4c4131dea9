// The example system, ready for a test: service repositories, the orchestrator (dev, staging, main),
// images built and pushed to the given registry, and a lock of dev. Builds hit docker's layer cache
// (sandbox commits are deterministic), so each test file pays for pushes, not for builds.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExampleSystem, removeSandboxTags, writeSandboxLock, type ExampleSystem } from '../../src/sandbox/exampleSystem.js';
import type { ReleaseLock } from '../../src/lock/schema.js';

export interface PreparedExampleSystem extends ExampleSystem {
  /** A lock of the orchestrator's dev branch, as built. */
  lockFile: string;
  lock: ReleaseLock;
  /** Removes the repositories and the local tags pointing at the test registry (the images stay cached). */
  cleanup(): Promise<void>;
}

export async function prepareExampleSystem(options: { registryHost: string; services?: string[]; log?: (message: string) => void }): Promise<PreparedExampleSystem> {
  const root = await mkdtemp(join(tmpdir(), 'lockstep-example-'));
  try {
    const system = await createExampleSystem({ root, registryHost: options.registryHost, services: options.services, progress: options.log });
    const lockFile = join(root, 'dev.lock.yaml');
    const lock = await writeSandboxLock(system, lockFile);
    const cleanup = async () => {
      await removeSandboxTags(system);
      await rm(root, { recursive: true, force: true });
    };
    return { ...system, lockFile, lock, cleanup };
  } catch (error) {
    await rm(root, { recursive: true, force: true });
    throw error;
  }
}
