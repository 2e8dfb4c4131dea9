import { defaultImages } from '../defaults.js';
import { z } from 'zod';
import { serviceName } from '../lock/schema.js';
import { confinedPath as relativePath } from './fields.js';

export const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');

export const stackSuite = z
  .strictObject({
    name: serviceName.describe('The suite name: `--suite <name>`, the report file <name>.xml.'),
    image: z
      .string()
      .min(1)
      // A value starting with "-" would be read by `docker run` as an option, not as the image.
      .regex(/^[A-Za-z0-9][^\s]*$/, 'must be an image reference (it may not start with "-" or hold spaces)')
      .optional()
      .describe(`The image the suite runs in; defaults to LOCKSTEP_NODE_IMAGE, else ${defaultImages.node}.`),
    command: z
      .array(z.string())
      .min(1)
      .describe('The command, as an argument array (no shell). It must print TAP (node --test-reporter=tap) on stdout.'),
    directory: relativePath
      .optional()
      .describe('A folder (relative to the config file) mounted read-only at /suite, the working directory.'),
    env: z.record(envVarName, z.string()).default({}).describe('Extra environment variables (no secrets: they are visible to docker inspect).'),
    timeout: z
      .string()
      .regex(/^[0-9]{1,7}(ms|s|m)$/, 'must be a duration such as 90s or 10m')
      .default('10m')
      .describe('How long the suite may run before it is stopped and counted as failed.'),
  })
  .describe('A test suite run in a container on the stack network, with the stack addresses as environment variables.');

// Owned by the stack stage (`lockstep stack ...`).
export const stackConfig = z
  .strictObject({
    composeFile: relativePath.default('compose/compose.yaml').describe('The compose file of the whole system, relative to the config file.'),
    composeOverrides: z
      .array(relativePath)
      .default([])
      .describe('More compose files merged over composeFile in order, as further `-f` flags (relative to the config file).'),
    envFile: relativePath
      .optional()
      .describe('Replaces the `.env` beside the compose file for interpolation, as compose\'s `--env-file` (relative to the config file).'),
    suites: z
      .array(stackSuite)
      .default([])
      .refine((suites) => new Set(suites.map((suite) => suite.name)).size === suites.length, 'suite names must be unique')
      .describe('The suites `lockstep stack test` runs, in order.'),
    reportDir: relativePath.default('report/stack').describe('Where `lockstep stack test` writes JUnit XML and summary.md.'),
  })
  .describe('The pull-request stage: the whole stack from compose and its test suites.');

export type StackConfig = z.output<typeof stackConfig>;
export type StackSuite = z.output<typeof stackSuite>;
