// Preloaded with `node --import` (see `runCli`'s `moduleLog` option): records the URL of every module
// the process loads, one a line, in the file LOCKSTEP_TEST_MODULE_LOG names, so a test can assert
// what a command's start-up costs.
import { register } from 'node:module';

register('./moduleLogHooks.mjs', import.meta.url, { data: { file: process.env.LOCKSTEP_TEST_MODULE_LOG } });
