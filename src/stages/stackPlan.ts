import type { Environment } from '../compose/interpolate.js';
import type { LockstepConfig } from '../config/schema.js';
import { lockId } from '../lock/integrity.js';
import { readLock } from '../lock/read.js';
import { stackAddresses } from '../stack/addresses.js';
import { openStack } from '../stack/context.js';
import { pinImages } from '../stack/pinImages.js';
import { buildStackPlan, type StackPlan } from '../stack/plan.js';
import { planSuites } from '../stack/suites.js';

export interface StackPlanInput {
  configFile: string;
  config: LockstepConfig;
  /** With a lock, every locked service's image is `image@digest`, exactly what `stack up` runs. */
  lockFile?: string;
  env?: Environment;
}

/** `lockstep stack plan`: the compose graph, pinned to a lock when one is given. Reads only. */
export async function planStack(input: StackPlanInput): Promise<StackPlan> {
  const env = input.env ?? process.env;
  const stack = await openStack(input.configFile, input.config, 'plan', env);
  const lock = input.lockFile === undefined ? null : await readLock(input.lockFile);
  const pins = lock && input.lockFile ? pinImages(stack.graph, lock, { composeFile: stack.composeFileName, lockFile: input.lockFile }) : null;
  return buildStackPlan({
    graph: stack.graph,
    composeFile: stack.composeFileName,
    pins,
    lock: lock && input.lockFile ? { file: input.lockFile, id: lockId(lock), integrity: lock.integrity } : null,
    addresses: stackAddresses(stack.graph),
    suites: planSuites(input.config.stack.suites, env),
  });
}
