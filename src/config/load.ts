import { defaultConfigFile } from '../defaults.js';
import { readDocument } from '../io/readDocument.js';
import { lockstepConfig, type LockstepConfig } from './schema.js';

export async function loadConfig(file: string = defaultConfigFile): Promise<LockstepConfig> {
  return readDocument(file, lockstepConfig);
}
