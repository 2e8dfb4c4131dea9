import { readFile, writeFile } from 'node:fs/promises';
import { generatedFiles } from '../src/generated/files.js';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
for (const [path, content] of Object.entries(generatedFiles(readme))) {
  await writeFile(new URL(`../${path}`, import.meta.url), content);
  console.log(`wrote ${path}`);
}
