import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { parseComposeDuration } from '../../../src/compose/duration.js';
import { interpolateString } from '../../../src/compose/interpolate.js';
import { pinServices } from '../../../src/compose/override.js';
import { shellWords } from '../../../src/compose/shellWords.js';
import { demultiplexLogs, mergeTimestampedLogs, toContainer } from '../../../src/docker/containers.js';

describe('interpolation', () => {
  const env = { SET: 'value', EMPTY: '' };
  const cases: Array<[string, string]> = [
    ['plain', 'plain'],
    ['$SET/${SET}', 'value/value'],
    ['${UNSET}', ''],
    ['${UNSET:-default}', 'default'],
    ['${EMPTY:-default}', 'default'],
    ['${EMPTY-default}', ''],
    ['${UNSET-default}', 'default'],
    ['${SET:+alt}', 'alt'],
    ['${EMPTY:+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['$$SET costs $$5', '$SET costs $5'],
    ['${UNSET:-${SET}-x}', 'value-x'],
    ['${SET:?never}', 'value'],
  ];
  for (const [input, expected] of cases) {
    it(`${input} -> ${JSON.stringify(expected)}`, () => assert.equal(interpolateString(input, env), expected));
  }

  it('fails on required variables that are unset or empty, with the message given', () => {
    assert.throws(() => interpolateString('${UNSET:?set it}', env), /required variable UNSET is not set: set it/);
    assert.throws(() => interpolateString('${EMPTY:?}', env), /required variable EMPTY is empty/);
    assert.equal(interpolateString('${EMPTY?}', env), '');
    assert.throws(() => interpolateString('${UNSET?}', env), /required variable UNSET is not set/);
  });

  it('fails on malformed references', () => {
    assert.throws(() => interpolateString('${1BAD}', env), /invalid variable/);
    assert.throws(() => interpolateString('${SET!x}', env), /invalid variable/);
    assert.throws(() => interpolateString('${SET', env), /unterminated/);
    // Compose keeps a `$` that starts no variable, as docker compose config shows.
    assert.equal(interpolateString('100$ and pa$ word', env), '100$ and pa$ word');
  });
});

describe('shell words', () => {
  const cases: Array<[string, string[]]> = [
    ['node server.mjs', ['node', 'server.mjs']],
    ['  spaced\t\tout \n', ['spaced', 'out']],
    [`sh -c 'echo "$HOME" && exit 1'`, ['sh', '-c', 'echo "$HOME" && exit 1']],
    ['echo "a \\"quoted\\" \\$word" \\\\', ['echo', 'a "quoted" $word', '\\']],
    ['a\\ b c""d \'\'', ['a b', 'cd', '']],
    ['"keep \\n as is"', ['keep \\n as is']],
  ];
  for (const [input, expected] of cases) it(JSON.stringify(input), () => assert.deepEqual(shellWords(input), expected));

  it('refuses unterminated quotes and a trailing backslash', () => {
    assert.throws(() => shellWords("echo 'open"), /unterminated single quote/);
    assert.throws(() => shellWords('echo "open'), /unterminated double quote/);
    assert.throws(() => shellWords('echo \\'), /trailing backslash/);
  });
});

describe('durations', () => {
  const cases: Array<[string, number | null]> = [
    ['10s', 10_000],
    ['1m30s', 90_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['500ms', 500],
    ['10us', 1],
    ['0s', 0],
    ['0', 0],
    ['10', null],
    ['1x', null],
    ['s', null],
    ['', null],
  ];
  for (const [input, expected] of cases) it(`${JSON.stringify(input)} -> ${expected}`, () => assert.equal(parseComposeDuration(input), expected));
});

describe('image override', () => {
  it('renders only image and labels per service, sorted, under a comment header', () => {
    const text = pinServices(
      '',
      {
        web: { image: 'localhost:5000/shop/web@sha256:' + 'b'.repeat(64), labels: { 'z.last': '1', 'a.first': '2' } },
        api: { image: 'localhost:5000/shop/api@sha256:' + 'a'.repeat(64), labels: {} },
      },
      ['Generated; do not edit.'],
    );
    assert.ok(text.startsWith('# Generated; do not edit.\n'));
    assert.deepEqual(parse(text), {
      services: {
        api: { image: 'localhost:5000/shop/api@sha256:' + 'a'.repeat(64) },
        web: { image: 'localhost:5000/shop/web@sha256:' + 'b'.repeat(64), labels: { 'a.first': '2', 'z.last': '1' } },
      },
    });
    assert.ok(text.indexOf('api:') < text.indexOf('web:'));
    assert.ok(text.indexOf('a.first') < text.indexOf('z.last'));
  });
});

describe('container inspection', () => {
  const inspected = [
    {
      Id: 'c1',
      Name: '/shop_cart_1',
      Image: 'sha256:cart',
      RestartCount: 0,
      State: {
        Status: 'running',
        Running: true,
        ExitCode: 0,
        StartedAt: '2026-01-01T00:00:00.5Z',
        Health: { Status: 'unhealthy', FailingStreak: 3, Log: [{ Start: '2026-01-01T00:00:02Z', ExitCode: 1, Output: 'first' }, { Output: 'connect ECONNREFUSED\n' }] },
      },
      Config: {
        Image: 'localhost:5000/shop/cart@sha256:abc',
        Labels: { 'com.docker.compose.service': 'cart' },
        Healthcheck: { Test: ['CMD', 'true'], Interval: 2e9, Retries: 15, StartPeriod: 30e9 },
      },
      NetworkSettings: { Ports: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '32768' }], '9090/tcp': null } },
    },
    {
      Id: 'c2',
      Name: '/shop_redis_1',
      Image: 'sha256:redis',
      RestartCount: 2,
      State: { Status: 'restarting', Running: true, ExitCode: 1 },
      Config: { Image: 'redis', Labels: null, Healthcheck: { Test: ['NONE'] } },
    },
  ];

  it('reduces docker inspect JSON to what readiness and live state need', () => {
    const [cart, redis] = inspected.map(toContainer);
    assert.deepEqual(cart, {
      id: 'c1',
      name: 'shop_cart_1',
      service: 'cart',
      oneOff: false,
      image: 'localhost:5000/shop/cart@sha256:abc',
      imageId: 'sha256:cart',
      labels: { 'com.docker.compose.service': 'cart' },
      status: 'running',
      running: true,
      restarting: false,
      exitCode: 0,
      startedAt: '2026-01-01T00:00:00.5Z',
      health: 'unhealthy',
      lastHealthOutput: 'connect ECONNREFUSED',
      healthcheck: { retries: 15, intervalMs: 2000, startPeriodMs: 30_000 },
      failingStreak: 3,
      probes: [{ startedAt: Date.parse('2026-01-01T00:00:02Z'), exitCode: 1 }],
      restartCount: 0,
      published: { '8080/tcp': ['127.0.0.1:32768'] },
    });
    assert.equal(redis?.health, null);
    assert.equal(redis?.healthcheck, null, 'a disabled healthcheck is none');
    assert.equal(redis?.service, null);
    assert.equal(redis?.restarting, true);
    assert.equal(redis?.restartCount, 2);
    assert.throws(() => toContainer({ Id: 'x' }), /docker inspect returned an unexpected shape/);
  });

  it('merges stdout and stderr log lines by timestamp and keeps the last ones', () => {
    const stdout = ['2026-01-01T00:00:01.000000000Z listening', '2026-01-01T00:00:03.000000000Z request 1', ''].join('\n');
    const stderr = ['2026-01-01T00:00:02.000000000Z warning: slow', '2026-01-01T00:00:04.000000000Z fatal: boom'].join('\n');
    assert.deepEqual(mergeTimestampedLogs(stdout, stderr, 10), ['listening', 'warning: slow', 'request 1', 'fatal: boom']);
    assert.deepEqual(mergeTimestampedLogs(stdout, stderr, 2), ['request 1', 'fatal: boom']);
  });
});

describe('container logs from the engine API', () => {
  const frame = (stream: 1 | 2, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header.writeUInt8(stream, 0);
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };

  it('splits the multiplexed stream into stdout and stderr, and keeps a TTY stream whole', () => {
    const bytes = Buffer.concat([frame(1, 'out 1\n'), frame(2, 'err ü\n'), frame(1, 'out 2\n')]);
    assert.deepEqual(demultiplexLogs(bytes), { stdout: 'out 1\nout 2\n', stderr: 'err ü\n' });
    assert.deepEqual(demultiplexLogs(Buffer.from('plain tty output\n')), { stdout: 'plain tty output\n', stderr: '' });
    assert.deepEqual(demultiplexLogs(Buffer.alloc(0)), { stdout: '', stderr: '' });
  });
});
