#!/usr/bin/env node
// The CLI is compiled and bundled into dist/bin/ by `npm run build` (scripts/bundleCli.mjs): a few
// plain JS files to load instead of hundreds of modules keep start-up fast.
import { main } from '../dist/bin/main.js';

process.exitCode = await main(process.argv);
