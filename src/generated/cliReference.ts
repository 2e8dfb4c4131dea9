import type { Command } from 'commander';

/** Every command's help text, in tree order, as markdown: the CLI reference generated from the CLI itself. */
export function renderCliReference(program: Command): string {
  const sections: string[] = [];
  const walk = (command: Command, path: string[]) => {
    const name = [...path, command.name()].join(' ');
    const help = command.helpInformation({ error: false }).replace(/\s+$/g, '');
    sections.push(`### \`${name}\`\n\n\`\`\`text\n${help}\n\`\`\`\n`);
    for (const sub of command.commands) if (sub.name() !== 'help') walk(sub, [...path, command.name()]);
  };
  walk(program, []);
  return sections.join('\n');
}

/** One row per runnable command: the table in the README (the full help is in docs/cli.md). */
export function renderCliSummary(program: Command): string {
  const rows: string[] = ['| command | what it does |', '| --- | --- |'];
  const walk = (command: Command, path: string[]) => {
    for (const sub of command.commands) {
      if (sub.name() === 'help') continue;
      const name = [...path, sub.name()].join(' ');
      if (sub.commands.length === 0) {
        const usage = sub.usage().replace(/\[options\]\s*/, '').trim();
        rows.push(`| \`lockstep ${name}${usage ? ` ${usage}` : ''}\` | ${sub.description().replace(/\|/g, '\\|')} |`);
      }
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(program, []);
  return `${rows.join('\n')}\n`;
}
