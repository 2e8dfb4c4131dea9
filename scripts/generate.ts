import { writeFile } from 'node:fs/promises';
import { generatedFiles } from '../src/generated/files.js';

for (const [path, content] of Object.entries(generatedFiles())) {
  await writeFile(new URL(`../${path}`, import.meta.url), content);
  console.log(`wrote ${path}`);
}
