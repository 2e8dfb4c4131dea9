import { z } from 'zod';

// Owned by the stack stage (`lockstep stack ...`).
export const stackConfig = z
  .strictObject({
    composeFile: z.string().min(1).default('compose/compose.yaml').describe('The compose file of the whole system.'),
  })
  .describe('The pull-request stage: the whole stack from compose and its test suites.');

export type StackConfig = z.output<typeof stackConfig>;
