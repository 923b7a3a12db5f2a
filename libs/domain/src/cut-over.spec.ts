import { formatCutOverSteps } from './cut-over';

describe('formatCutOverSteps', () => {
  it('prints the recorded steps in cut-over order, rounded, then who held the lock back', () => {
    expect(formatCutOverSteps({ counts: 95.4, hold: 30.2, lock: 1012.6, lockBlockedBy: ['autovacuum (autovacuum: VACUUM crm.leads)'] })).toBe(
      'hold 30 ms, lock 1013 ms, counts 95 ms, lock waited on autovacuum (autovacuum: VACUUM crm.leads)',
    );
  });

  it('prints nothing for an attempt that recorded nothing', () => {
    expect(formatCutOverSteps({})).toBe('');
  });
});
