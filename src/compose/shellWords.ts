/**
 * Splits a compose `command:` / `entrypoint:` string into arguments the way compose does (POSIX shell
 * word rules: quotes and backslashes, no expansion), so the graph always holds an argument array and
 * consumers such as the Dagger module never need a shell.
 */
export class ShellWordsError extends Error {
  override readonly name = 'ShellWordsError';
}

export function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let index = 0;
  while (index < text.length) {
    const char = text[index]!;
    if (char === ' ' || char === '\t' || char === '\n' || char === '\r') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      index += 1;
    } else if (char === "'") {
      const close = text.indexOf("'", index + 1);
      if (close < 0) throw new ShellWordsError(`unterminated single quote in ${JSON.stringify(text)}`);
      word += text.slice(index + 1, close);
      inWord = true;
      index = close + 1;
    } else if (char === '"') {
      index += 1;
      let closed = false;
      while (index < text.length) {
        const inner = text[index]!;
        if (inner === '"') {
          closed = true;
          index += 1;
          break;
        }
        // Inside double quotes a backslash escapes only these, as in sh.
        if (inner === '\\' && index + 1 < text.length && '"\\$`\n'.includes(text[index + 1]!)) {
          word += text[index + 1];
          index += 2;
        } else {
          word += inner;
          index += 1;
        }
      }
      if (!closed) throw new ShellWordsError(`unterminated double quote in ${JSON.stringify(text)}`);
      inWord = true;
    } else if (char === '\\') {
      if (index + 1 >= text.length) throw new ShellWordsError(`trailing backslash in ${JSON.stringify(text)}`);
      word += text[index + 1];
      inWord = true;
      index += 2;
    } else {
      word += char;
      inWord = true;
      index += 1;
    }
  }
  if (inWord) words.push(word);
  return words;
}
