// Real compose files from public projects (test/fixtures/compose-corpus, SOURCES.md names each file's
// repository, commit and licence) through `stack plan`'s reading of them: each is accepted, or refused
// for a reason written down here. compose-holdout holds files from projects the parser was not tuned
// on; its acceptance rate is the "never seen" figure.
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lockstepConfig } from '../../../src/config/schema.js';
import { InputError } from '../../../src/errors.js';
import { planStack } from '../../../src/stages/stackPlan.js';

const fixtures = fileURLToPath(new URL('../../fixtures/', import.meta.url));

interface Refusal {
  /** What the one-line message must say. */
  match: RegExp;
  /** Why refusing is right, in one sentence. */
  because: string;
}

/** Files that only override another (compose's further -f files): read in `combinations`, not alone. */
const fragments = new Set([
  'compose-corpus/docker-zulip/ci/basic/compose.yaml',
  'compose-corpus/docker-zulip/ci/http-only/compose.yaml',
  'compose-corpus/docker-zulip/ci/memory/compose.yaml',
  'compose-corpus/docker-zulip/ci/settings/compose.yaml',
  'compose-corpus/frappe_docker/overrides/compose.mariadb.yaml',
  'compose-corpus/frappe_docker/overrides/compose.noproxy.yaml',
  'compose-corpus/frappe_docker/overrides/compose.redis.yaml',
  'compose-corpus/mattermost-docker/docker-compose.nginx.yml',
  'compose-corpus/mattermost-docker/docker-compose.without-nginx.yml',
  'compose-corpus/netbox-docker/docker-compose.test.override.yml',
]);

const refusals = new Map<string, Refusal>([
  [
    'compose-corpus/docker-compose-e2e/pkg/e2e/fixtures/env_file/compose.yaml',
    { match: /services\.serviceB\.env_file: \/doesnotexist\/\.env does not exist/, because: 'compose refuses a missing env_file; the fixture exists to test that error' },
  ],
  [
    'compose-corpus/paperless-ngx/docker/compose/docker-compose.portainer.yml',
    { match: /services\.webserver\.env_file: .*stack\.env does not exist/, because: 'stack.env is written by Portainer at deploy time; compose refuses the file without it too' },
  ],
  [
    'compose-corpus/penpot/docker/devenv/docker-compose.main.yml',
    { match: /services\.main\.volumes\[1\]: ":\/home\/penpot\/penpot:z" has an empty part/, because: 'PENPOT_SOURCE_PATH is set by penpot\'s devenv script; without it the bind mount has no source and compose refuses it too' },
  ],
  [
    'compose-corpus/frappe_docker/compose.yaml',
    { match: /services\.backend\.image: "frappe\/erpnext:" has an empty tag/, because: 'the tag comes from ERPNEXT_VERSION in the .env users copy from example.env; running "frappe/erpnext:" would run nothing meant' },
  ],
  [
    'compose-corpus/mattermost-docker/docker-compose.yml',
    { match: /services\.mattermost\.image: "mattermost\/:" has an empty tag/, because: 'the image comes from the .env users copy from env.example; without it there is no image to run' },
  ],
  [
    'compose-holdout/wger-docker/dev/docker-compose.yml',
    { match: /required variable WGER_CODEPATH is not set/, because: 'the file itself demands WGER_CODEPATH with ${VAR:?}, and compose refuses it unset too' },
  ],
  [
    'compose-holdout/wger-docker/dev-postgres/docker-compose.yml',
    { match: /required variable WGER_CODEPATH is not set/, because: 'the file itself demands WGER_CODEPATH with ${VAR:?}, and compose refuses it unset too' },
  ],
]);

/** Several -f files and env files, as each project documents running them. */
const combinations: Array<{ name: string; files: string[]; envFile?: string }> = [
  ...['basic', 'http-only', 'memory', 'settings'].map((ci) => ({ name: `zulip ci/${ci}`, files: ['compose-corpus/docker-zulip/compose.yaml', `compose-corpus/docker-zulip/ci/${ci}/compose.yaml`] })),
  {
    name: 'frappe with mariadb, redis and no proxy, from example.env',
    files: ['compose.yaml', 'overrides/compose.mariadb.yaml', 'overrides/compose.redis.yaml', 'overrides/compose.noproxy.yaml'].map((file) => `compose-corpus/frappe_docker/${file}`),
    envFile: 'compose-corpus/frappe_docker/example.env',
  },
  ...['without-nginx', 'nginx'].map((variant) => ({
    name: `mattermost ${variant}, from env.example`,
    files: ['compose-corpus/mattermost-docker/docker-compose.yml', `compose-corpus/mattermost-docker/docker-compose.${variant}.yml`],
    envFile: 'compose-corpus/mattermost-docker/env.example',
  })),
  { name: 'netbox tests', files: ['compose-corpus/netbox-docker/docker-compose.test.yml', 'compose-corpus/netbox-docker/docker-compose.test.override.yml'] },
];

function composeFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (/^(docker-)?compose[^/]*\.ya?ml$/.test(name)) out.push(relative(fixtures, path));
    }
  };
  walk(join(fixtures, folder));
  return out;
}

/** `lockstep stack plan` on the files, with a config beside the fixtures and no variables from the shell. */
async function plan(files: string[], envFile?: string): Promise<{ ok: true } | { ok: false; error: unknown }> {
  // stack plan reads only the stack section; the services section is a placeholder the schema requires.
  const config = lockstepConfig.parse({
    apiVersion: 'lockstep/v1',
    kind: 'Config',
    services: { placeholder: { path: 'placeholder', image: 'example.invalid/placeholder' } },
    stack: { composeFile: files[0], composeOverrides: files.slice(1), ...(envFile ? { envFile } : {}) },
  });
  try {
    await planStack({ configFile: join(fixtures, 'lockstep.config.yaml'), config, env: {} });
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

function checkStandalone(folder: string, minimumRate: number) {
  const files = composeFiles(folder).filter((file) => !fragments.has(file));
  let accepted = 0;
  for (const file of files) {
    it(file, async () => {
      const result = await plan([file]);
      const refusal = refusals.get(file);
      if (result.ok) {
        assert.equal(refusal, undefined, `expected a refusal (${refusal?.because}), but it was accepted`);
        accepted += 1;
        return;
      }
      assert.ok(result.error instanceof InputError, `a refusal is an InputError naming the file and field, not ${String(result.error)}`);
      assert.ok(refusal, `refused without a written reason: ${result.error.message}`);
      assert.match(result.error.message, refusal.match);
    });
  }
  it(`accepts at least ${minimumRate * 100}% of the standalone files`, (t) => {
    const rate = accepted / files.length;
    t.diagnostic(`${folder}: stack plan accepts ${accepted} of ${files.length} standalone files (${(rate * 100).toFixed(1)}%)`);
    assert.ok(files.length >= (folder === 'compose-corpus' ? 60 : 20), `${folder} holds ${files.length} files`);
    assert.ok(rate >= minimumRate, `${(rate * 100).toFixed(1)}% accepted`);
  });
}

describe('compose corpus: files the parser was tuned on', () => checkStandalone('compose-corpus', 0.9));

describe('compose corpus: held-out files from projects never seen while tuning', () => checkStandalone('compose-holdout', 0.85));

describe('compose corpus: several -f files and env files, as the projects run them', () => {
  for (const combination of combinations) {
    it(combination.name, async () => {
      const result = await plan(combination.files, combination.envFile);
      assert.ok(result.ok, result.ok ? '' : String((result.error as Error).message));
    });
  }
});
