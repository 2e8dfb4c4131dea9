import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatDuration } from '../../../src/report/html.js';

describe('formatDuration', () => {
  it('picks the unit after rounding, so no range prints its own upper bound', () => {
    assert.equal(formatDuration(119_700), '2 min 0 s');
    assert.equal(formatDuration(59_970), '1 min 0 s');
    assert.equal(formatDuration(999.6), '1.0 s');
  });

  it('keeps milliseconds, tenths and minutes where they belong', () => {
    assert.equal(formatDuration(0), '0 ms');
    assert.equal(formatDuration(420), '420 ms');
    assert.equal(formatDuration(12_340), '12.3 s');
    assert.equal(formatDuration(59_940), '59.9 s');
    assert.equal(formatDuration(61_000), '1 min 1 s');
    assert.equal(formatDuration(3_599_400), '59 min 59 s');
    assert.equal(formatDuration(3_600_000), '60 min 0 s');
  });
});
