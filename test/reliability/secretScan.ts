import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

/**
 * Finding canary secrets wherever lockstep might have put them: in output, in files (also ones that
 * lived only for a moment, such as compose overrides in TMPDIR), on the command lines of the programs
 * it starts. A secret counts as leaked in any form a careless program would write it: as is, in
 * base64 (alone or as `user:password`, as in Basic auth and docker config files), URL-encoded.
 */
export function canaryForms(secrets: string[], pairs: Array<[string, string]> = []): string[] {
  const forms = new Set<string>();
  const add = (value: string) => {
    forms.add(value);
    forms.add(Buffer.from(value).toString('base64'));
    forms.add(Buffer.from(value).toString('base64url'));
    forms.add(encodeURIComponent(value));
  };
  for (const secret of secrets) add(secret);
  for (const [user, secret] of pairs) add(`${user}:${secret}`);
  return [...forms].filter((form) => form.length >= 8);
}

export interface Leak {
  where: string;
  form: string;
}

export function findLeaks(where: string, text: string | Buffer, forms: string[]): Leak[] {
  const haystack = typeof text === 'string' ? text : text.toString('latin1');
  return forms.filter((form) => haystack.includes(form)).map((form) => ({ where, form }));
}

const maxScannedBytes = 16 * 1024 * 1024;

/**
 * Scans every file the moment it is written in the folders where short-lived files appear (TMPDIR, the
 * work folders lockstep removes again), so a file created and removed within one run (a compose
 * override) is seen too; `finish()` then scans the whole tree and returns the leaks and how many
 * distinct files were read. Only those folders are watched: a recursive watch over git repositories
 * would spend the machine's inotify watches on object folders. `.git` folders are skipped: lockstep
 * writes nothing there, and their objects are compressed.
 */
export class FileCapture {
  readonly files = new Set<string>();
  readonly leaks: Leak[] = [];
  private readonly watchers: FSWatcher[];
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly root: string,
    private readonly forms: string[],
    watched: string[] = [root],
  ) {
    this.watchers = watched.map((dir) =>
      watch(dir, { recursive: true }, (_event, name) => {
        if (name && !name.split('/').includes('.git')) this.scanNow(join(dir, name));
      }),
    );
  }

  private scanNow(path: string): void {
    try {
      const info = statSync(path);
      if (info.isDirectory()) {
        // Files written into a folder before the watcher follows it raise no event of their own (mkdtemp
        // then writeFile, as the compose overrides are): look inside now and twice more shortly after.
        this.scanFolder(path);
        for (const delayMs of [100, 1000]) {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            this.scanFolder(path);
          }, delayMs);
          this.timers.add(timer);
        }
        return;
      }
      if (!info.isFile() || info.size > maxScannedBytes) return;
      this.record(path, readFileSync(path));
    } catch {
      // Gone before it could be read: the scan of its next write, or of the tree at the end, covers it.
    }
  }

  private scanFolder(dir: string): void {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry.name !== '.git' && (entry.isFile() || entry.isDirectory())) {
        const path = join(dir, entry.name);
        if (entry.isFile()) this.scanNow(path);
        else this.scanFolder(path);
      }
    }
  }

  private record(path: string, content: Buffer): void {
    const name = relative(this.root, path);
    this.files.add(name);
    for (const leak of findLeaks(name, content, this.forms)) {
      if (!this.leaks.some((known) => known.where === leak.where && known.form === leak.form)) this.leaks.push(leak);
    }
  }

  async finish(): Promise<{ files: number; leaks: Leak[] }> {
    for (const watcher of this.watchers) watcher.close();
    for (const timer of this.timers) clearTimeout(timer);
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        if (entry.name === '.git') continue;
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile()) {
          const info = await stat(path).catch(() => null);
          if (info && info.size <= maxScannedBytes) this.record(path, await readFile(path));
        }
      }
    };
    await walk(this.root);
    return { files: this.files.size, leaks: this.leaks };
  }
}

/**
 * Samples the command lines of every process on the machine while commands run: a secret passed as an
 * argument is visible to any local user (`ps`), so none may ever appear there.
 */
export class CommandLineSampler {
  samples = 0;
  readonly leaks: Leak[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly forms: string[], intervalMs = 50) {
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    this.samples += 1;
    let pids: string[];
    try {
      pids = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
    } catch {
      return;
    }
    for (const pid of pids) {
      let cmdline: Buffer;
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`);
      } catch {
        continue;
      }
      const text = cmdline.toString('utf8').replaceAll('\0', ' ');
      for (const leak of findLeaks(`command line of pid ${pid}: ${text.slice(0, 200)}`, text, this.forms)) this.leaks.push(leak);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
