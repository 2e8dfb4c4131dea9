/**
 * Generated sections of the README and docs: `<!-- generated:NAME -->` … `<!-- /generated:NAME -->`. The text
 * between the markers is replaced; everything else is written by hand.
 */
export function replaceSection(document: string, name: string, content: string): string {
  const start = `<!-- generated:${name} -->`;
  const end = `<!-- /generated:${name} -->`;
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`the document has no ${start} … ${end} section`);
  return `${document.slice(0, from + start.length)}\n${content.trimEnd()}\n${document.slice(to)}`;
}

export function readSection(document: string, name: string): string | undefined {
  const start = `<!-- generated:${name} -->`;
  const end = `<!-- /generated:${name} -->`;
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  return from === -1 || to === -1 ? undefined : document.slice(from + start.length, to).trim();
}
