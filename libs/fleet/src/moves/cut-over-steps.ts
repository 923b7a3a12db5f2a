import { performance } from 'node:perf_hooks';
import type { CutOverStep, CutOverSteps } from '@kryonix/domain';

/** Times the steps of one cut-over attempt (CUT_OVER_STEPS). */
export class StepTimer {
  private readonly steps: CutOverSteps = {};

  constructor(private mark = performance.now()) {}

  /** The step that ends now; returns what is recorded so far. */
  lap(step: CutOverStep): CutOverSteps {
    const now = performance.now();
    this.steps[step] = Math.round((now - this.mark) * 10) / 10;
    this.mark = now;
    return this.result();
  }

  blockedBy(who: string[]): void {
    if (who.length) this.steps.lockBlockedBy = who;
  }

  result(): CutOverSteps {
    return { ...this.steps };
  }
}
