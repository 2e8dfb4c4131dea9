import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { it } from 'node:test';
import { configurationDoc, generatedFiles } from '../../src/generated/files.js';

it('committed generated files match the zod schemas (run `npm run generate` when this fails)', async () => {
  const current = await readFile(new URL(`../../${configurationDoc}`, import.meta.url), 'utf8');
  for (const [path, content] of Object.entries(generatedFiles(current))) {
    const committed = await readFile(new URL(`../../${path}`, import.meta.url), 'utf8').catch(() => '');
    assert.equal(committed, content, `${path} is stale: run npm run generate`);
  }
});

it('the commented lock template is a valid lock with a matching integrity', async () => {
  const { readLock } = await import('../../src/lock/read.js');
  const file = new URL('../../locks/example.lock.yaml', import.meta.url).pathname;
  const text = await readFile(file, 'utf8');
  assert.ok(text.startsWith('# yaml-language-server: $schema=./schema.json\n'));
  const lock = await readLock(file);
  assert.equal(Object.keys(lock.services).length, 2);
});
