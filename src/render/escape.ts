/**
 * The one place where text from users and locks (refs, repository names, test names, problems quoted
 * from files) is made safe for where it is shown: a terminal, GitHub markdown, HTML. Every renderer
 * goes through here, so `@everyone`, raw HTML, a forged lockstep marker or a terminal escape sequence
 * in a lock field is shown as text and steers nothing.
 */

/**
 * Control characters shown escaped (`\n`, `\x1b`), so text stays on its line and cannot move the
 * cursor or recolour the terminal.
 */
export function terminalText(text: string): string {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => {
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
}

/** Control characters (and line breaks) become spaces: markdown and HTML text stays one line. */
function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
}

export function htmlText(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

/**
 * Text inside GitHub markdown: HTML is entity-escaped (no tags, no hidden comments, so no second
 * lockstep marker), markdown punctuation is backslash-escaped (no links, images or emphasis), and an
 * `@` gets a zero-width joiner so no one is mentioned (`@everyone`, `@org/team`).
 */
export function markdownText(text: string): string {
  return htmlText(oneLine(text))
    .replace(/[\\`*_[\]()|~!#]/g, '\\$&')
    .replace(/@/g, '@\u200d');
}

/** An inline code span holding any text: the fence is longer than any backtick run inside. */
export function markdownCode(text: string): string {
  const flat = neutralizeMarkers(oneLine(text));
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || longest > 0 ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/**
 * Hidden HTML comments in embedded markdown (a test report, a code span) are made visible text, so
 * only the markers lockstep itself appends are markers.
 */
export function neutralizeMarkers(markdown: string): string {
  return markdown.replace(/<!--/g, '&lt;!--');
}
