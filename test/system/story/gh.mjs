#!/usr/bin/env node
/* global fetch */
// A stand-in for the GitHub CLI's `gh api PATH [--jq EXPR]`, for workflow steps run in the story test:
// a GET of GITHUB_API_URL/PATH with GH_TOKEN, filtered through jq as gh does (raw strings). Anything
// else gh can do is refused, so a workflow that starts to need more fails the test visibly.
import { spawnSync } from 'node:child_process';

const [command, path, ...rest] = process.argv.slice(2);
if (command !== 'api' || !path || !(rest.length === 0 || (rest.length === 2 && rest[0] === '--jq'))) {
  process.stderr.write(`gh stand-in: only "gh api PATH [--jq EXPR]" is supported, got: gh ${process.argv.slice(2).join(' ')}\n`);
  process.exit(2);
}
const response = await fetch(`${process.env.GITHUB_API_URL}/${path.replace(/^\//, '')}`, {
  headers: { authorization: `token ${process.env.GH_TOKEN}`, accept: 'application/vnd.github+json' },
});
const text = await response.text();
if (!response.ok) {
  process.stderr.write(`gh: ${JSON.parse(text).message ?? text} (HTTP ${response.status})\n`);
  process.exit(1);
}
if (rest.length === 0) {
  process.stdout.write(text);
  process.exit(0);
}
const jq = spawnSync('jq', ['-r', rest[1]], { input: text, encoding: 'utf8' });
process.stdout.write(jq.stdout);
process.stderr.write(jq.stderr);
process.exit(jq.status ?? 1);
