import { connectFault } from './server-faults';

describe('connectFault', () => {
  it('reads credentials refused, a server away with its network code, and other faults by their first line', () => {
    expect(connectFault(Object.assign(new Error('password authentication failed for user "x"'), { code: '28P01' }))).toEqual({ credentials: true, away: false, reason: 'password authentication failed for user "x"' });
    expect(connectFault(Object.assign(new Error('no pg_hba.conf entry'), { code: '28000' })).credentials).toBe(true);
    expect(connectFault(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5'), { code: 'ECONNREFUSED' }))).toEqual({ credentials: false, away: true, reason: 'ECONNREFUSED' });
    expect(connectFault(Object.assign(new Error('the database system is starting up\nDETAIL: x'), { code: '57P03' }))).toEqual({ credentials: false, away: true, reason: 'the database system is starting up' });
    expect(connectFault(new Error('Connection terminated unexpectedly'))).toEqual({ credentials: false, away: true, reason: 'Connection terminated unexpectedly' });
    expect(connectFault(Object.assign(new Error('syntax error'), { code: '42601' }))).toEqual({ credentials: false, away: false, reason: 'syntax error' });
  });
});
