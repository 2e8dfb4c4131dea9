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
