/**
 * Ctrl-C or a CI cancel (SIGINT / SIGTERM) while a stack is starting or under test must not leave
 * containers behind: the running work is aborted, the teardown runs to its end, and the process exits
 * with 128 + the signal number. A second signal exits at once.
 */
export async function withTeardownOnSignal<T>(
  work: (signal: AbortSignal) => Promise<T>,
  teardown: () => Promise<unknown>,
  notify: (message: string) => void,
): Promise<T> {
  const controller = new AbortController();
  let interrupted: Promise<never> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    const code = 128 + (signal === 'SIGINT' ? 2 : 15);
    if (interrupted) process.exit(code);
    notify(`${signal}: stopping and tearing the stack down (send it again to exit at once)`);
    controller.abort(new Error(`interrupted by ${signal}`));
    interrupted = teardown().then(
      () => process.exit(code),
      (error: unknown) => {
        notify(`teardown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(code);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
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
