import { readFile, writeFile } from 'node:fs/promises';
import { configurationDoc, generatedFiles } from '../src/generated/files.js';

const current = await readFile(new URL(`../${configurationDoc}`, import.meta.url), 'utf8');
for (const [path, content] of Object.entries(generatedFiles(current))) {
  await writeFile(new URL(`../${path}`, import.meta.url), content);
  console.log(`wrote ${path}`);
}
