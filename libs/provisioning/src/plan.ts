import type { FailpointAction } from '@kryonix/platform';
import { performance } from 'node:perf_hooks';

/** One idempotent provisioning step and its undo (also idempotent). */
export interface Step<C> {
  name: string;
  run(ctx: C): Promise<Record<string, unknown> | void>;
  undo(ctx: C): Promise<void>;
}

export interface StepEvent {
  step: string;
  status: 'sucesso' | 'erro' | 'desfeito' | 'undo_falhou';
  durationMs: number;
  details?: Record<string, unknown>;
  error?: string;
}

/**
 * Failpoints make a step fail (or hang, for crash tests) right after its action
 * has run: the worst moment, as the undo must then clean up a finished action.
 * Set programmatically or with KRYONIX_FAILPOINTS="create_database=fail,write_files=hang"
 * (parsed with the other settings).
 */
export type { FailpointAction };

export interface PlanOptions {
  onEvent: (event: StepEvent) => Promise<void> | void;
  failpoints?: ReadonlyMap<string, FailpointAction>;
  /** false: a failure stops the plan but undoes nothing (repairing a live tenant must never remove it). */
  undo?: boolean;
}

export class PlanFailure extends Error {
  constructor(
    readonly step: string,
    override readonly cause: unknown,
    readonly rolledBack: boolean,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/**
 * Runs the steps in order. When one fails, the steps done so far — the failing
 * one included, since it may have half-happened — are undone in reverse.
 */
export async function runPlan<C>(steps: readonly Step<C>[], ctx: C, options: PlanOptions): Promise<void> {
  const done: Step<C>[] = [];
  for (const step of steps) {
    const started = performance.now();
    try {
      done.push(step);
      const details = (await step.run(ctx)) ?? undefined;
      await failpoint(options.failpoints, step.name);
      await emit(options, { step: step.name, status: 'sucesso', durationMs: performance.now() - started, details });
    } catch (error) {
      await emit(options, { step: step.name, status: 'erro', durationMs: performance.now() - started, error: message(error) });
      const rolledBack = options.undo === false ? false : await undoAll(done, ctx, options);
      throw new PlanFailure(step.name, error, rolledBack);
    }
  }
}

/** Undoes `steps` in reverse (a run killed part-way that must not be finished); whether all of it was undone. */
export function undoPlan<C>(steps: readonly Step<C>[], ctx: C, options: PlanOptions): Promise<boolean> {
  return undoAll([...steps], ctx, options);
}

async function undoAll<C>(done: Step<C>[], ctx: C, options: PlanOptions): Promise<boolean> {
  for (const step of [...done].reverse()) {
    const started = performance.now();
    try {
      await step.undo(ctx);
      await emit(options, { step: step.name, status: 'desfeito', durationMs: performance.now() - started });
    } catch (error) {
      // Stop here: the earlier steps (the registry row first of all) stay, so
      // `kryonix tenant repair` can still see and finish the clean-up.
      await emit(options, { step: step.name, status: 'undo_falhou', durationMs: performance.now() - started, error: message(error) });
      return false;
    }
  }
  return true;
}

/** Runs the failpoint of `step`, if one is set (also used by the phases of a tenant move). */
export async function failpoint(points: ReadonlyMap<string, FailpointAction> | undefined, step: string): Promise<void> {
  const action = points?.get(step);
  if (action === 'fail') throw new Error(`failpoint: step ${step} forced to fail`);
  if (action === 'hang') await new Promise(() => undefined);
  if (action === 'pause') await new Promise((resolve) => setTimeout(resolve, 3_000));
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Logging an error or an undo must never hide the failure being handled. */
async function emit(options: PlanOptions, event: StepEvent): Promise<void> {
  try {
    await options.onEvent(event);
  } catch {
    // ignored on purpose
  }
}
