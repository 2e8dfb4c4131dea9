import { z } from 'zod';
import { lockstepConfig } from '../config/schema.js';
import { releaseLock } from '../lock/schema.js';

/**
 * Files derived from the zod schemas. `npm run generate` writes them; a test fails when a committed copy
 * is stale, so the schemas stay the single source of truth.
 */
export function generatedFiles(): Record<string, string> {
  return {
    'locks/schema.json': jsonSchema(releaseLock, 'https://lockstep.dev/schemas/lock-v1.json', 'lockstep release lock'),
    'locks/config.schema.json': jsonSchema(lockstepConfig, 'https://lockstep.dev/schemas/config-v1.json', 'lockstep.config.yaml'),
  };
}

function jsonSchema(schema: z.ZodType, id: string, title: string): string {
  const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return `${JSON.stringify({ $id: id, title, ...generated }, null, 2)}\n`;
}
