import type { JobRepository } from '@kryonix/registry';

/**
 * A running job's progress written to its result as it goes, one write at a time, the last
 * one kept (its worker only; the final result replaces it). `settled` resolves once every
 * write is over: await it before the job ends (a write after that is refused).
 */
export function jobProgressWriter(jobs: JobRepository, jobId: string, workerId: string): { write(result: Record<string, unknown>): void; settled(): Promise<void> } {
  let writing = Promise.resolve();
  return {
    write: (result) => {
      writing = writing.then(() => jobs.progress(jobId, workerId, result)).catch(() => undefined);
    },
    settled: () => writing,
  };
}
