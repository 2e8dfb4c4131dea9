import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestSuiteResult } from './runReport.js';

/**
 * Reads the JUnit XML files a test stage wrote (lockstep writes one <testsuite> per file) back into
 * suite results for the run report. Only the attributes lockstep itself writes are read.
 */
export function parseJunit(text: string, against: string): TestSuiteResult[] {
  const suites: TestSuiteResult[] = [];
  for (const [, suiteAttributes = '', body = ''] of text.matchAll(/<testsuite\s([^>]*)>([\s\S]*?)<\/testsuite>/g)) {
    const attributes = parseAttributes(suiteAttributes);
    const failures = [...body.matchAll(/<testcase\s([^>]*?)>\s*<failure\s([^>]*?)>/g)].map(([, testcase = '', failure = '']) => ({
      name: unescapeXml(parseAttributes(testcase).name ?? 'test'),
      message: unescapeXml(parseAttributes(failure).message ?? 'failed'),
    }));
    const tests = Number(attributes.tests ?? 0);
    const failed = Number(attributes.failures ?? 0) + Number(attributes.errors ?? 0);
    const skipped = Number(attributes.skipped ?? 0);
    suites.push({ suite: unescapeXml(attributes.name ?? 'suite'), against, passed: tests - failed - skipped, failed, skipped, failures });
  }
  return suites;
}

export async function readJunitDir(dir: string, against: string): Promise<TestSuiteResult[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const results: TestSuiteResult[] = [];
  for (const entry of entries.filter((name) => name.endsWith('.xml')).sort()) {
    results.push(...parseJunit(await readFile(join(dir, entry), 'utf8'), against).map((suite) => ({ ...suite, junitFile: join(dir, entry) })));
  }
  return results;
}

function parseAttributes(text: string): Record<string, string> {
  return Object.fromEntries([...text.matchAll(/([\w:-]+)="([^"]*)"/g)].map(([, name = '', value = '']) => [name, value]));
}

function unescapeXml(text: string): string {
  return text.replace(/&(lt|gt|quot|apos|amp);/g, (entity, name: string) => xmlEntities[name] ?? entity);
}

const xmlEntities: Readonly<Record<string, string>> = { lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' };
