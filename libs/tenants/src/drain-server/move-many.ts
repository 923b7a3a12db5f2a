import { InvalidInput } from '@kryonix/domain';

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

/** Runs `move` over `items`, `workers` at a time, in their order; one that throws is reported to `failed` and the others go on. */
export async function moveMany<T>(items: readonly T[], workers: number, move: (item: T) => Promise<void>, failed: (item: T, error: string) => void): Promise<void> {
  const queue = [...items];
  const next = async (): Promise<void> => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      try {
        await move(item);
      } catch (error) {
        failed(item, error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, Math.max(items.length, 1)) }, next));
}
