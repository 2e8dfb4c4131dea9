/**
 * Ctrl-C or a CI cancel (SIGINT / SIGTERM) while a stack is starting or under test must not leave
 * containers behind: the running work is aborted, and once it has stopped (so that no compose process
 * is still creating containers) the teardown runs to its end and the process exits with 128 + the
 * signal number. A second signal exits at once.
 */
export async function withTeardownOnSignal<T>(
  work: (signal: AbortSignal) => Promise<T>,
  teardown: () => Promise<unknown>,
  notify: (message: string) => void,
  options: { settleMs?: number } = {},
): Promise<T> {
  const controller = new AbortController();
  let interrupted: Promise<never> | undefined;
  let working: Promise<T> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = 128 + (signal === 'SIGINT' ? 2 : 15);
    if (interrupted) process.exit(code);
    notify(`${signal}: stopping and tearing the stack down (send it again to exit at once)`);
    controller.abort(new Error(`interrupted by ${signal}`));
    interrupted = (async () => {
      await settled(working, options.settleMs ?? 15_000);
      try {
        await teardown();
      } catch (error) {
        notify(`teardown failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      process.exit(code);
    })();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    working = work(controller.signal);
    return await working;
  } catch (error) {
    // After an interrupt the work fails with the abort: wait for the teardown, which exits.
    if (interrupted) return await interrupted;
    throw error;
  } finally {
    if (!interrupted) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

/** Resolves when the work has ended either way, or after `ms` if it hangs. */
function settled(work: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!work) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
  ]).finally(() => clearTimeout(timer));
}
