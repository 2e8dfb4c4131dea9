import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cliEntry,
  isBranchName,
  planStage,
  runner,
  StageInputError,
  stageNames,
  stages,
  type ModuleSettings,
  type StageCall,
} from '../../../dagger/src/stagePlans.js';

const none = { githubToken: false, registryAuth: false, kubeconfig: false, dockerSocket: false };
const all = { githubToken: true, registryAuth: true, kubeconfig: true, dockerSocket: true };

function settings(overrides: Partial<ModuleSettings> = {}): ModuleSettings {
  return { lockPath: 'locks/current.lock.yaml', provided: { ...none }, ...overrides };
}

const everything = settings({
  config: 'ops/lockstep.config.yaml',
  repository: 'acme/shop',
  githubApiUrl: 'https://ghe.example.com/api/v3',
  registryUsername: 'ci-bot',
  provided: { ...all },
});

/** One representative call per stage, with every optional input set. */
const sampleCalls: StageCall[] = [
  { stage: 'lockGenerate', inputs: { ref: 'HEAD', pullRequest: 7, base: 'base.lock.yaml', only: ['cart', 'catalog'] } },
  { stage: 'lockVerify', inputs: { lock: 'locks/current.lock.yaml', registry: true } },
  { stage: 'lockDiff', inputs: { before: 'a.yaml', after: 'b.yaml', format: 'markdown' } },
  { stage: 'stackTest', inputs: { lock: 'lock.yaml', suite: 'api' } },
  { stage: 'healthCheck', inputs: { environment: 'staging' } },
  { stage: 'deploy', inputs: { environment: 'production', lock: 'lock.yaml' } },
  { stage: 'e2eTest', inputs: { environment: 'staging' } },
  { stage: 'smokeTest', inputs: { environment: 'production' } },
  { stage: 'release', inputs: { lock: 'lock.yaml', version: 'v1.4.0' } },
  { stage: 'rollback', inputs: { environment: 'production', to: 'v1.3.0' } },
  { stage: 'prComment', inputs: { pullRequest: 7, lock: 'lock.yaml' } },
  { stage: 'commitLock', inputs: { branch: 'dev', lock: 'lock.yaml', pullRequest: 7 } },
  { stage: 'openPromotion', inputs: { lock: 'lock.yaml', from: 'staging', to: 'main', e2eSummary: '.lockstep/run/e2e/summary.md', runUrl: 'https://github.example.com/acme/shop/actions/runs/9' } },
  { stage: 'approvalGate', inputs: { pullRequest: 12, required: 4, lock: 'lock.yaml' } },
  { stage: 'publishRelease', inputs: { version: 'v1.4.0', lock: 'lock.yaml', target: 'b'.repeat(40) } },
];

/** The argv after `node bin/lockstep.js` and the global options. */
function commandOf(call: StageCall, using = settings({ provided: { ...all }, registryUsername: 'u' })): string[] {
  const plan = planStage(call, using, 'run-1');
  assert.deepEqual(plan.argv.slice(0, cliEntry.length), [...cliEntry]);
  const rest = plan.argv.slice(cliEntry.length);
  while (rest[0]?.startsWith('-')) rest.splice(0, rest[0] === '--config' ? 2 : 1);
  return rest;
}

describe('stage plans: the CLI each stage runs', () => {
  it('covers every stage with one sample call', () => {
    assert.deepEqual(sampleCalls.map((call) => call.stage).sort(), [...stageNames].sort());
  });

  it('maps each stage to the agreed lockstep command line, files mounted under the input folder', () => {
    const expected: Record<string, string[]> = {
      lockGenerate: ['lock', 'generate', '--out', '/lockstep/out/lock.yaml', '--ref', 'HEAD', '--pull-request', '7', '--base', '/lockstep/in/base.yaml', '--only', 'cart,catalog'],
      lockVerify: ['lock', 'verify', '/lockstep/in/lock.yaml', '--registry'],
      lockDiff: ['lock', 'diff', '/lockstep/in/before.yaml', '/lockstep/in/after.yaml', '--markdown'],
      stackTest: ['stack', 'plan', '--lock', '/lockstep/in/lock.yaml'],
      healthCheck: ['health', '--env', 'staging'],
      deploy: ['deploy', '--env', 'production', '--lock', '/lockstep/in/lock.yaml'],
      e2eTest: ['e2e', '--env', 'staging', '--report-dir', '/lockstep/out/report'],
      smokeTest: ['smoke', '--env', 'production', '--report-dir', '/lockstep/out/report'],
      release: ['release', '--lock', '/lockstep/in/lock.yaml', '--version', 'v1.4.0'],
      rollback: ['rollback', '--env', 'production', '--to', 'v1.3.0'],
      prComment: ['pr', 'comment', '--pr', '7', '--lock', '/lockstep/in/lock.yaml'],
      commitLock: ['pr', 'commit-lock', '--branch', 'dev', '--lock', '/lockstep/in/lock.yaml', '--pr', '7'],
      openPromotion: [
        'pr',
        'open-promotion',
        '--from',
        'staging',
        '--to',
        'main',
        '--lock',
        '/lockstep/in/lock.yaml',
        '--e2e-summary',
        '/lockstep/in/e2e-summary.md',
        '--run-url',
        'https://github.example.com/acme/shop/actions/runs/9',
      ],
      approvalGate: ['gate', 'approvals', '--pr', '12', '--required', '4', '--lock', '/lockstep/in/lock.yaml'],
      publishRelease: ['release', 'publish', '--version', 'v1.4.0', '--lock', '/lockstep/in/lock.yaml', '--target', 'b'.repeat(40)],
    };
    for (const call of sampleCalls) assert.deepEqual(commandOf(call), expected[call.stage], call.stage);
  });

  it('leaves optional flags out and applies the defaults of the agreed CLI', () => {
    assert.deepEqual(commandOf({ stage: 'lockGenerate', inputs: {} }), ['lock', 'generate', '--out', '/lockstep/out/lock.yaml']);
    assert.deepEqual(commandOf({ stage: 'approvalGate', inputs: { pullRequest: 3 } }), ['gate', 'approvals', '--pr', '3', '--required', '4']);
    assert.deepEqual(commandOf({ stage: 'openPromotion', inputs: { lock: 'l.yaml' } }).slice(0, 6), ['pr', 'open-promotion', '--from', 'staging', '--to', 'main']);
    assert.deepEqual(commandOf({ stage: 'rollback', inputs: { environment: 'staging' } }), ['rollback', '--env', 'staging']);
  });

  it('puts --config and --json before the subcommand, where commander reads global options', () => {
    const plan = planStage({ stage: 'lockDiff', inputs: { before: 'a.yml', after: 'b.json', format: 'json' } }, settings({ config: 'ops/lockstep.yaml' }), 'r');
    assert.deepEqual(plan.argv, [...cliEntry, '--config', 'ops/lockstep.yaml', '--json', 'lock', 'diff', '/lockstep/in/before.yml', '/lockstep/in/after.json']);
    const stackPlan = planStage({ stage: 'stackTest', inputs: { lock: 'l.yaml' } }, settings(), 'r');
    assert.deepEqual(stackPlan.argv.slice(cliEntry.length, cliEntry.length + 1), ['--json']);
  });

  it('names each mounted file by the host path it came from', () => {
    const plan = planStage({ stage: 'lockDiff', inputs: { before: 'locks/current.lock.yaml', after: '.lockstep/run/lock.yaml' } }, settings(), 'r');
    assert.deepEqual(plan.files, { '/lockstep/in/before.yaml': 'locks/current.lock.yaml', '/lockstep/in/after.yaml': '.lockstep/run/lock.yaml' });
  });
});

describe('stage plans: secrets and what each stage may touch', () => {
  it('hands the GitHub token over as a secret variable, never as a plain one, and only to GitHub stages', () => {
    for (const call of sampleCalls) {
      const plan = planStage(call, everything, 'r');
      const github = stages[call.stage].needs.includes('github');
      assert.equal(plan.secretEnv.GITHUB_TOKEN, github ? 'githubToken' : undefined, call.stage);
      assert.equal('GITHUB_TOKEN' in plan.env, false, call.stage);
      assert.equal(plan.env.GITHUB_REPOSITORY, github ? 'acme/shop' : undefined, call.stage);
      assert.equal(plan.env.GITHUB_API_URL, github ? 'https://ghe.example.com/api/v3' : undefined, call.stage);
    }
  });

  it('passes registry credentials as a plain user name and a secret password', () => {
    const plan = planStage({ stage: 'lockGenerate', inputs: {} }, everything, 'r');
    assert.equal(plan.env.LOCKSTEP_REGISTRY_USERNAME, 'ci-bot');
    assert.equal(plan.secretEnv.LOCKSTEP_REGISTRY_PASSWORD, 'registryAuth');
    assert.equal('LOCKSTEP_REGISTRY_PASSWORD' in plan.env, false);
    const anonymous = planStage({ stage: 'lockGenerate', inputs: {} }, settings(), 'r');
    assert.deepEqual(anonymous.secretEnv, {});
    assert.equal('LOCKSTEP_REGISTRY_USERNAME' in anonymous.env, false);
  });

  it('mounts the kubeconfig as a secret file and the docker socket only for environment stages', () => {
    for (const call of sampleCalls) {
      const plan = planStage(call, everything, 'r');
      const environment = stages[call.stage].needs.includes('environment');
      assert.deepEqual(plan.secretFiles, environment ? { [`${runner.secretDir}/kubeconfig`]: 'kubeconfig' } : {}, call.stage);
      assert.equal(plan.env.KUBECONFIG, environment ? `${runner.secretDir}/kubeconfig` : undefined, call.stage);
      assert.equal(plan.dockerSocket, environment, call.stage);
      assert.equal(plan.env.DOCKER_HOST, environment ? 'unix:///var/run/docker.sock' : undefined, call.stage);
    }
  });

  it('refuses a GitHub stage without a token, naming the flag to pass', () => {
    assert.throws(
      () => planStage({ stage: 'prComment', inputs: { pullRequest: 1, lock: 'l.yaml' } }, settings(), 'r'),
      (error: unknown) => error instanceof StageInputError && error.flag === 'github-token' && /prComment talks to GitHub/.test(error.message),
    );
  });

  it('refuses half of a registry credential', () => {
    assert.throws(() => planStage({ stage: 'deploy', inputs: { environment: 'staging', lock: 'l.yaml' } }, settings({ registryUsername: 'u' }), 'r'), /registry-auth/);
    const passwordOnly = settings({ provided: { ...none, registryAuth: true } });
    assert.throws(() => planStage({ stage: 'lockGenerate', inputs: {} }, passwordOnly, 'r'), /--registry-username/);
  });

  it('never caches a stage with side effects or live answers, and gives each of its runs a fresh id', () => {
    for (const call of sampleCalls) {
      const spec = stages[call.stage];
      if (spec.needs.includes('github') || spec.needs.includes('environment') || call.stage === 'lockGenerate') {
        assert.equal(spec.cacheNever, true, call.stage);
      }
      const first = planStage(call, everything, 'one');
      const second = planStage(call, everything, 'two');
      if (spec.cacheNever) assert.notEqual(first.env.LOCKSTEP_RUN_ID, second.env.LOCKSTEP_RUN_ID, call.stage);
      else assert.deepEqual(first, second, `${call.stage} must plan identically so the engine can reuse it`);
    }
  });
});

describe('stage plans: inputs checked before anything runs', () => {
  const refused: Array<[StageCall, RegExp]> = [
    [{ stage: 'healthCheck', inputs: { environment: 'Prod' } }, /--environment: "Prod" is not an environment name/],
    [{ stage: 'healthCheck', inputs: { environment: '--help' } }, /would be read as an option/],
    [{ stage: 'lockGenerate', inputs: { ref: '-rf' } }, /--ref: "-rf" would be read as an option/],
    [{ stage: 'lockGenerate', inputs: { ref: '' } }, /--ref: must not be empty/],
    [{ stage: 'lockGenerate', inputs: { pullRequest: 0 } }, /--pull-request: must be a positive integer/],
    [{ stage: 'lockGenerate', inputs: { pullRequest: 1.5 } }, /--pull-request: must be a positive integer/],
    [{ stage: 'lockGenerate', inputs: { only: ['cart'] } }, /--only: needs --base/],
    [{ stage: 'lockGenerate', inputs: { base: 'b.yaml', only: ['Cart'] } }, /--only: "Cart" is not a service name/],
    [{ stage: 'release', inputs: { lock: 'l.yaml', version: '1.4.0' } }, /--version: "1.4.0" is not a release version/],
    [{ stage: 'rollback', inputs: { environment: 'production', to: 'latest' } }, /--to: "latest" is not a release version/],
    [{ stage: 'commitLock', inputs: { branch: 'feature/../main', lock: 'l.yaml' } }, /--branch: .* is not a branch name/],
    [{ stage: 'openPromotion', inputs: { lock: 'l.yaml', from: 'staging', to: 'main.lock' } }, /--to: "main.lock" is not a branch name/],
    [{ stage: 'lockDiff', inputs: { before: 'a', after: 'b', format: 'html' as never } }, /--format: must be one of text, markdown, json/],
    [{ stage: 'openPromotion', inputs: { lock: 'l.yaml', runUrl: 'javascript:alert(1)' } }, /--run-url: .* is not an http\(s\) URL/],
    [{ stage: 'publishRelease', inputs: { version: 'v1.0.0', lock: 'l.yaml', target: 'main' } }, /--target: "main" is not a full 40-hex-digit commit/],
    [{ stage: 'deploy', inputs: { environment: 'staging', lock: 'l.yaml\nx' } }, /--lock: must be a single line/],
  ];
  for (const [call, message] of refused) {
    it(`refuses ${JSON.stringify(call.inputs)} for ${call.stage}`, () => {
      assert.throws(() => planStage(call, everything, 'r'), (error: unknown) => error instanceof StageInputError && message.test(error.message));
    });
  }

  it('accepts ordinary branch names and refuses ref syntax', () => {
    for (const name of ['dev', 'staging', 'hotfix/cart-timeout', 'release-1.4']) assert.ok(isBranchName(name), name);
    for (const name of ['-x', '/main', 'main/', 'a..b', 'a//b', 'x.lock', 'has space', 'tilde~1', 'colon:x']) assert.ok(!isBranchName(name), name);
  });
});
