import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { schemaRows } from '../../../src/generated/configReference.js';

describe('config reference rows', () => {
  it('a field several union variants define gets one row with every type, and each description under its variant', () => {
    const rows = schemaRows({
      type: 'object',
      properties: {
        target: {
          oneOf: [
            { type: 'object', properties: { type: { const: 'a' }, cluster: { type: 'object', description: 'A cluster.' }, timeoutMs: { type: 'integer', default: 1, description: 'How long.' } } },
            { type: 'object', properties: { type: { const: 'b' }, cluster: { type: 'string', description: 'B cluster.' }, timeoutMs: { type: 'integer', default: 1, description: 'How long.' } } },
          ],
        },
      },
    });
    const byPath = Object.fromEntries(rows.map((row) => [row.path, row]));
    assert.equal(byPath['target.type']!.type, '`"a"` \\| `"b"`');
    assert.equal(byPath['target.cluster']!.type, 'object \\| string');
    assert.equal(byPath['target.cluster']!.description, 'a: A cluster. b: B cluster.');
    assert.deepEqual({ ...byPath['target.timeoutMs'] }, { path: 'target.timeoutMs', type: 'integer', required: false, default: '1', description: 'How long.' });
  });
});
