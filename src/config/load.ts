import { readDocument } from '../io/readDocument.js';
import { lockstepConfig, type LockstepConfig } from './schema.js';

export const defaultConfigFile = 'lockstep.config.yaml';

export async function loadConfig(file: string = defaultConfigFile): Promise<LockstepConfig> {
  return readDocument(file, lockstepConfig);
}
