import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './harness.js';
import { scanSource } from './shellScan.js';

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'sdk') files.push(...(await sourceFiles(path)));
    } else if (/\.(ts|mts|cts|js|mjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) files.push(path);
  }
  return files;
}

describe('no user-provided string reaches a shell', () => {
  it('src/ and dagger/src hold no shell: true, no exec/execSync from child_process, no sh -c with data', async () => {
    const files = [...(await sourceFiles(join(repoRoot, 'src'))), ...(await sourceFiles(join(repoRoot, 'dagger', 'src')))];
    assert.ok(files.length > 50, `found the sources (${files.length} files)`);
    const findings = [];
    for (const file of files) findings.push(...scanSource(relative(repoRoot, file), await readFile(file, 'utf8')));
    assert.deepEqual(
      findings.map((finding) => `${finding.file}:${finding.line}: ${finding.rule}: ${finding.text}`),
      [],
    );
  });

  it('the scan catches every form it looks for (so a clean result means something)', () => {
    const bad: Record<string, string> = {
      'shell option': `import { spawn } from 'node:child_process';\nspawn(cmd, args, { shell: true });`,
      'shell option from a variable': `import { spawn } from 'child_process';\nspawn(cmd, args, { cwd, shell: useShell });`,
      'exec import': `import { exec } from 'node:child_process';`,
      'execSync renamed': `import { spawn, execSync as run } from 'node:child_process';`,
      'exec from a dynamic import': `const { exec } = await import('node:child_process');`,
      'exec through a namespace': `import * as cp from 'node:child_process';\ncp.exec(\`git \${ref}\`);`,
      'execSync through require': `const cp = require('child_process');\ncp.execSync(command);`,
      'sh -c with a template': 'run(\'sh\', [\'-c\', `docker pull ${image}`]);',
      'bash -c with a concatenation': `run('docker', ['run', image, 'bash', '-c', 'echo ' + name]);`,
      '/bin/sh -lc with a variable': `spawn('/bin/sh', ['-lc', script]);`,
    };
    for (const [name, snippet] of Object.entries(bad)) {
      assert.ok(scanSource(name, snippet).length > 0, `${name} must be found`);
    }
    const good: Record<string, string> = {
      'argument arrays': `import { spawn, execFile } from 'node:child_process';\nspawn('docker', ['pull', image], { shell: false });`,
      'a constant shell script': `run('docker', ['run', image, 'sh', '-c', 'exec redis-server --save ""']);`,
      'a comment about exec': `// never exec(\`sh -c \${x}\`) and never { shell: true }\nrun('git', args);`,
      'RegExp#exec': `const match = /^v(\\d+)$/.exec(text);`,
      'a data field named shell': `const check = { args, shell: kind === 'CMD-SHELL' };`,
    };
    for (const [name, snippet] of Object.entries(good)) {
      assert.deepEqual(scanSource(name, snippet), [], `${name} is fine`);
    }
  });
});
