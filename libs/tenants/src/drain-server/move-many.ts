import { InvalidInput } from '@kryonix/domain';
import type { MoveLimiter } from './move-limiter';

/** The most moves run at once (each holds a replication slot and a sync worker on its servers). */
export const MAX_MOVE_CONCURRENCY = 16;

/** `--concurrency` of a drain or a rebalance: 1 to MAX_MOVE_CONCURRENCY. */
export function moveConcurrency(value: unknown): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_MOVE_CONCURRENCY) {
    throw new InvalidInput(`Invalid concurrency "${String(value)}": give a whole number from 1 to ${MAX_MOVE_CONCURRENCY}.`, { field: 'concurrency' });
  }
  return n;
}

/**
 * Runs `move` over `items`, `workers` at a time, in their order; one that throws is reported
 * to `failed` and the others go on. With `limits` (moves whose servers are known: a
 * rebalance), a worker takes the first item whose source and target have a place left, and
 * waits while none has (with no move running, it takes the first anyway).
 */
export async function moveMany<T>(
  items: readonly T[],
  workers: number,
  move: (item: T) => Promise<void>,
  failed: (item: T, error: string) => void,
  limits?: { limiter: MoveLimiter; servers: (item: T) => { from: string; to: string } },
): Promise<void> {
  const queue = [...items];
  /** The next item and its places, taken in the same turn so that no other worker sees them free. */
  const take = async (): Promise<{ item: T; release?: () => void } | undefined> => {
    for (;;) {
      if (queue.length === 0) return undefined;
      if (!limits) return { item: queue.shift()! };
      const { limiter, servers } = limits;
      const at = queue.findIndex((i) => limiter.fits(servers(i).from, servers(i).to));
      if (at >= 0 || limiter.running === 0) {
        const item = queue.splice(Math.max(at, 0), 1)[0]!;
        const { from, to } = servers(item);
        return { item, release: limiter.take(from, to) };
      }
      await limiter.released();
    }
  };
  const next = async (): Promise<void> => {
    for (let taken = await take(); taken !== undefined; taken = await take()) {
      try {
        await move(taken.item);
      } catch (error) {
        failed(taken.item, error instanceof Error ? error.message : String(error));
      } finally {
        taken.release?.();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, Math.max(items.length, 1)) }, next));
}
