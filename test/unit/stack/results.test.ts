import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderJunit, xml } from '../../../src/stack/junit.js';
import { judgeSuite, type SuiteRun } from '../../../src/stack/suiteResult.js';
import { renderSummaryMarkdown, renderSummaryText } from '../../../src/stack/summary.js';
import { parseTap } from '../../../src/stack/tap.js';

// Output of `node --test-reporter=tap` for a file with a passing, failing, skipped, todo and nested
// test, a suite whose hook failed, and a name with an escaped hash (captured from Node 20).
const tap = `TAP version 13
# Subtest: group a
    # Subtest: passes
    ok 1 - passes
      ---
      duration_ms: 1.610596
      ...
    # Subtest: fails with a message
    not ok 2 - fails with a message
      ---
      duration_ms: 11.256288
      location: '/suite/f.test.mjs:5:3'
      failureType: 'testCodeFailure'
      error: |-
        one is not two

        1 !== 2

      code: 'ERR_ASSERTION'
      stack: |-
        TestContext.<anonymous> (file:///suite/f.test.mjs:5:45)
      ...
    # Subtest: skipped one
    ok 3 - skipped one # SKIP no reason really
      ---
      duration_ms: 0.400007
      ...
    # Subtest: later
    ok 4 - later # TODO
      ---
      duration_ms: 0.415746
      ...
    # Subtest: nested
        # Subtest: deep fail
        not ok 1 - deep fail
          ---
          duration_ms: 0.356005
          failureType: 'testCodeFailure'
          error: |-
            boom
            second line
          ...
        1..1
    not ok 5 - nested
      ---
      duration_ms: 22.365461
      type: 'suite'
      failureType: 'subtestsFailed'
      error: '1 subtest failed'
      ...
    1..5
not ok 1 - group a
  ---
  duration_ms: 60.776228
  type: 'suite'
  failureType: 'subtestsFailed'
  error: '2 subtests failed'
  ...
# Subtest: top level \\# with hash
ok 2 - top level \\# with hash
  ---
  duration_ms: 0.352629
  ...
# Subtest: hooks
    # Subtest: never ran
    ok 1 - never ran
      ---
      duration_ms: 0.1
      ...
    1..1
not ok 3 - hooks
  ---
  duration_ms: 5
  type: 'suite'
  failureType: 'hookFailed'
  error: 'before hook: database unreachable'
  ...
1..3
# tests 7
# pass 3
# fail 2
`;

function run(overrides: Partial<SuiteRun> = {}): SuiteRun {
  return { suite: 'integration', startedAt: '2026-11-21T12:00:00.000Z', durationMs: 2500, exitCode: 1, stopped: null, tests: parseTap(tap), stderrTail: [], stdout: tap, stderr: '', ...overrides };
}

describe('TAP from the node test runner', () => {
  it('yields the leaves with their group path, status, duration and message', () => {
    const tests = parseTap(tap);
    assert.deepEqual(
      tests.map((test) => [[...test.path, test.name].join(' › '), test.status, test.message]),
      [
        ['group a › passes', 'passed', null],
        ['group a › fails with a message', 'failed', 'one is not two\n\n1 !== 2'],
        ['group a › skipped one', 'skipped', 'no reason really'],
        ['group a › later', 'skipped', 'todo'],
        ['group a › nested › deep fail', 'failed', 'boom\nsecond line'],
        ['top level # with hash', 'passed', null],
        ['hooks › never ran', 'passed', null],
        ['hooks', 'failed', 'before hook: database unreachable'],
      ],
    );
    const failing = tests[1]!;
    assert.equal(failing.durationMs, 11.256288);
    assert.match(failing.detail ?? '', /^\/suite\/f\.test\.mjs:5:3\nTestContext/);
  });

  it('reads results without diagnostics and ignores noise lines', () => {
    const tests = parseTap('TAP version 14\n# comment\nok 1 - first\nrandom log line\nnot ok 2 second\nok 3 # skip\n1..3\n');
    assert.deepEqual(
      tests.map((test) => [test.name, test.status]),
      [
        ['first', 'passed'],
        ['second', 'failed'],
        ['', 'skipped'],
      ],
    );
    assert.equal(tests[1]!.message, 'failed');
    assert.deepEqual(parseTap(''), []);
  });
});

describe('suite verdicts', () => {
  it('counts and fails a suite with failing tests', () => {
    const result = judgeSuite(run());
    assert.deepEqual([result.ok, result.passed, result.failed, result.skipped], [false, 3, 3, 2]);
  });

  it('turns a non-zero exit without failing tests into a named failure with the stderr tail', () => {
    const result = judgeSuite(run({ tests: [], stderrTail: ['Error: CATALOG_URL is not set'] }));
    assert.equal(result.ok, false);
    assert.deepEqual(
      result.tests.map((test) => [test.name, test.message, test.detail]),
      [['integration (suite)', 'exited with code 1 before reporting any test', 'Error: CATALOG_URL is not set']],
    );
  });

  it('fails a suite stopped by its timeout even when its tests so far passed', () => {
    const result = judgeSuite(run({ exitCode: 124, stopped: 'stopped after its timeout of 60 s', tests: parseTap('ok 1 - quick\n') }));
    assert.equal(result.ok, false);
    assert.equal(result.tests.at(-1)!.message, 'stopped after its timeout of 60 s');
  });

  it('passes a suite that exited 0 with only passing and skipped tests', () => {
    const result = judgeSuite(run({ exitCode: 0, tests: parseTap('ok 1 - a\nok 2 - b # SKIP later\n') }));
    assert.deepEqual([result.ok, result.passed, result.failed, result.skipped], [true, 1, 0, 1]);
  });
});

describe('reports', () => {
  it('renders JUnit XML with testcases, failures and skips, escaped', () => {
    const result = judgeSuite(run());
    const report = renderJunit(result);
    assert.match(report, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites /);
    assert.match(report, /<testsuite name="integration" tests="8" failures="3" errors="0" skipped="2" time="2.500" timestamp="2026-11-21T12:00:00.000Z">/);
    assert.match(report, /<testcase classname="integration.group a.nested" name="deep fail" time="0.000">\n\s+<failure message="boom">boom\nsecond line<\/failure>/);
    assert.match(report, /<testcase classname="integration.group a" name="skipped one" time="0.000">\n\s+<skipped message="no reason really"\/>/);
    assert.equal((report.match(/<testcase /g) ?? []).length, 8);
    assert.equal(xml('a<b & "c" \'d\'\u0000\u001b>'), 'a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;');
  });

  it('summarises suites in markdown, naming every failing test with its message', () => {
    const failing = judgeSuite(run());
    const passing = judgeSuite(run({ suite: 'system', exitCode: 0, tests: parseTap('ok 1 - flow\n') }));
    const markdown = renderSummaryMarkdown('shop-pr-42', [failing, passing]);
    assert.match(markdown, /^# Stack tests \(shop-pr-42\)\n/);
    assert.match(markdown, /\| integration \| ❌ failed \| 3 \| 3 \| 2 \| 2.5 s \|/);
    assert.match(markdown, /\| system \| ✅ passed \| 1 \| 0 \| 0 \| 2.5 s \|/);
    assert.match(markdown, /### integration: group a › fails with a message\n\n```\none is not two/);
    assert.match(markdown, /### integration: hooks\n/);
    assert.ok(!markdown.includes('### system'), 'a passing suite lists no failures');
    const text = renderSummaryText([failing, passing]);
    assert.match(text, /integration\s+FAILED\s+3\s+3\s+2/);
    assert.match(text, /✘ integration: group a › nested › deep fail\n {4}boom/);
  });

  it('fences failure messages that contain backticks', () => {
    const result = judgeSuite(run({ tests: parseTap('not ok 1 - md\n  ---\n  error: "expected ```code```"\n  ...\n') }));
    assert.match(renderSummaryMarkdown('p', [result]), /````\nexpected ```code```\n````/);
  });
});
