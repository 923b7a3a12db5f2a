/** A piece of work on a session, and the work that may start once it is done. */
export interface SessionTask<S> {
  run: (session: S) => Promise<void>;
  then?: ReadonlyArray<SessionTask<S>>;
}

/**
 * Runs `roots` and their followers on at most `jobs` sessions at a time (each opened by
 * `open`, held for as long as work is left): a free session takes the next ready task,
 * a task's followers first, in the order given (put the longest first). After a failure no
 * task starts; the ones under way end, then the first error is thrown.
 */
export async function runOnSessions<S>(jobs: number, open: (work: (session: S) => Promise<void>) => Promise<void>, roots: ReadonlyArray<SessionTask<S>>): Promise<void> {
  const count = (tasks: ReadonlyArray<SessionTask<S>>): number => tasks.reduce((n, t) => n + 1 + count(t.then ?? []), 0);
  const sessions = Math.max(1, Math.min(Math.trunc(jobs), count(roots)));
  if (roots.length === 0) return;
  const ready = [...roots];
  let running = 0;
  let failure: { error: unknown } | undefined;
  const waiting: Array<() => void> = [];
  const wake = () => waiting.splice(0).forEach((w) => w());
  const work = async (session: S) => {
    for (;;) {
      if (failure) return;
      const task = ready.shift();
      if (!task) {
        if (running === 0) return;
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      running++;
      try {
        await task.run(session);
        ready.unshift(...(task.then ?? []));
      } catch (error) {
        failure ??= { error };
      } finally {
        running--;
        wake();
      }
    }
  };
  const ended = await Promise.allSettled(Array.from({ length: sessions }, () => open(work)));
  if (failure) throw failure.error;
  // a session that could not be opened leaves its share to the others; when none could, its error
  const broken = ended.find((e): e is PromiseRejectedResult => e.status === 'rejected');
  if (ready.length && broken) throw broken.reason;
}
