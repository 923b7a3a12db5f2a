/**
 * `work`, or `timeout()`'s error once `ms` have passed without an answer: for reads that a
 * silent server (paused, cut off by the network) would otherwise leave waiting for ever.
 * The work itself goes on in the background; its late result or error is dropped.
 */
export async function within<T>(work: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeout()), ms);
    timer.unref();
  });
  work.catch(() => undefined); // a failure after the deadline has no one left to tell
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
