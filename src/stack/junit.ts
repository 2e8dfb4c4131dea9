import type { SuiteResult } from './suiteResult.js';

/**
 * JUnit XML for one suite, the format CI systems render: one <testsuite>, a <testcase> per test with
 * classname = suite + enclosing groups, <failure> with the message and location, <skipped> for skips.
 */
export function renderJunit(result: SuiteResult): string {
  const seconds = (ms: number) => (ms / 1000).toFixed(3);
  const cases = result.tests.map((test) => {
    const classname = [result.suite, ...test.path].join('.');
    const open = `    <testcase classname="${xml(classname)}" name="${xml(test.name)}" time="${seconds(test.durationMs)}"`;
    if (test.status === 'passed') return `${open}/>`;
    if (test.status === 'skipped') return `${open}>\n      <skipped message="${xml(test.message ?? '')}"/>\n    </testcase>`;
    const body = [test.message, test.detail].filter(Boolean).join('\n\n');
    return `${open}>\n      <failure message="${xml(firstLine(test.message ?? 'failed'))}">${xml(body)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="lockstep stack test" tests="${result.tests.length}" failures="${result.failed}" skipped="${result.skipped}" time="${seconds(result.durationMs)}">`,
    `  <testsuite name="${xml(result.suite)}" tests="${result.tests.length}" failures="${result.failed}" errors="0" skipped="${result.skipped}" time="${seconds(result.durationMs)}" timestamp="${xml(result.startedAt)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? '';
}

/** Escapes for both text and attributes, and drops characters XML 1.0 cannot hold at all. */
export function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
