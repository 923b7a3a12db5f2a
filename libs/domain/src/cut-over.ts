/** The steps of a move's cut-over attempt, in order (each timed from the end of the one before). */
export const CUT_OVER_STEPS = ['hold', 'lock', 'confirm', 'sequences', 'counts', 'revoke', 'switch', 'release'] as const;
export type CutOverStep = (typeof CUT_OVER_STEPS)[number];

/**
 * How long each step of a cut-over attempt took, in ms, as recorded with the move's
 * cut_over phase (`tenant show`, `bench:move`): hold (the data planes told, requests already
 * admitted given time to end), lock (the source's tables locked for writes), confirm (the
 * target confirmed the source's last write), sequences (set on the target, its snapshot
 * taken), counts (each table counted on both servers), revoke (the target's login on, the
 * source's rights taken, committed), switch (the registry's), release (the end event sent).
 * `lockBlockedBy`: who held the tables when the lock waited.
 */
export type CutOverSteps = Partial<Record<CutOverStep, number>> & { lockBlockedBy?: string[] };

/** `hold 100 ms, lock 2 ms, …` (the steps a record has, in order). */
export function formatCutOverSteps(steps: CutOverSteps): string {
  const timed = CUT_OVER_STEPS.flatMap((s) => {
    const value = steps[s];
    return typeof value === 'number' ? [`${s} ${Math.round(value)} ms`] : [];
  });
  return [...timed, ...(steps.lockBlockedBy?.length ? [`lock waited on ${steps.lockBlockedBy.join(', ')}`] : [])].join(', ');
}
