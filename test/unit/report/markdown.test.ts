import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderRunMarkdown } from '../../../src/report/markdown.js';
import { failedRunReport } from '../../support/reportFixture.js';

describe('renderRunMarkdown (the CI job summary of a run)', () => {
  const report = failedRunReport();
  report.stages[2]!.code = 'UNHEALTHY';
  const markdown = renderRunMarkdown(report);

  it('gives the verdict, one row per stage with its own error code, and the tests', () => {
    assert.match(markdown, /^### ❌ promote-production failed in 1 min 10 s/);
    assert.equal(markdown.split('\n').filter((line) => /^\| (✅|❌|⏭️) \|/.test(line)).length, 4);
    assert.match(markdown, /\| ❌ \| deploy \| 42\.0 s \| .*\(`UNHEALTHY`\) \|/);
    assert.match(markdown, /\| smoke \| production \| 3 \| 1 \| 0 \|/);
    assert.match(markdown, /Rerun deploy alone: `lockstep deploy --env production --lock locks\/current\.lock\.yaml`/);
  });

  it('escapes what stages report, so a summary cannot inject markup or break the table', () => {
    assert.doesNotMatch(markdown, /<script>/);
    assert.match(markdown, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    const piped = failedRunReport();
    piped.stages[1]!.summary = 'a | b\nc';
    assert.match(renderRunMarkdown(piped), /\| a \\\| b c \|/);
  });
});
