// A second test reporter: at the end of the run, one line per skipped test or suite with its reason,
// so a suite that could not run here (the real `dagger call` suite without an engine) is counted and
// explained in the summary, never silently absent.
export default async function* skipReporter(source) {
  const skipped = [];
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.skip !== undefined && event.data.skip !== false) {
      const reason = typeof event.data.skip === 'string' ? event.data.skip : 'no reason given';
      skipped.push(`  - ${event.data.name} (${event.data.file ?? 'unknown file'}): ${reason}`);
    }
  }
  yield skipped.length === 0 ? '\nskipped: none\n' : `\nskipped: ${skipped.length}\n${skipped.join('\n')}\n`;
}
