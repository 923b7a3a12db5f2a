import { TENANT_MOVE_EVENTS } from '@kryonix/domain';
import { MoveHold } from './move-hold';

const event = (type: string, tenantId = 'acme') => JSON.stringify({ type, tenantId, at: new Date().toISOString() });

describe('MoveHold', () => {
  it('holds a tenant from TenantMoving until TenantMoved, and no other tenant', async () => {
    const hold = new MoveHold(5_000);
    hold.onEvent(event(TENANT_MOVE_EVENTS.moving));
    expect(hold.holding('acme')).toBe(true);
    await hold.wait('other'); // not held: at once
    let done = false;
    const waiting = hold.wait('acme').then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(done).toBe(false);
    hold.onEvent(event(TENANT_MOVE_EVENTS.moved));
    await waiting;
    expect(done).toBe(true);
    expect(hold.holding('acme')).toBe(false);
  });

  it('lets go on TenantMoveAbandoned, and by itself after the longest pause', async () => {
    const hold = new MoveHold(150);
    hold.onEvent(event(TENANT_MOVE_EVENTS.moving));
    hold.onEvent(event(TENANT_MOVE_EVENTS.abandoned));
    expect(hold.holding('acme')).toBe(false);
    hold.onEvent(event(TENANT_MOVE_EVENTS.moving));
    const started = Date.now();
    await hold.wait('acme');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('ignores other events and what is not JSON', () => {
    const hold = new MoveHold(1_000);
    hold.onEvent('not json');
    hold.onEvent(event('TenantSuspended'));
    hold.onEvent(JSON.stringify({ type: TENANT_MOVE_EVENTS.moving }));
    expect(hold.holding('acme')).toBe(false);
  });

  it('settled: at once without a cut-over; else on its end, held or not (a hold shorter than the cut-over), at most maxWaitMs', async () => {
    const hold = new MoveHold(10);
    let started = Date.now();
    await hold.settled('acme', 5_000);
    expect(Date.now() - started).toBeLessThan(50);
    hold.onEvent(event(TENANT_MOVE_EVENTS.moving));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(hold.holding('acme')).toBe(false); // the hold's time ran out, the cut-over goes on
    let done = false;
    const waiting = hold.settled('acme', 5_000).then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(done).toBe(false);
    hold.onEvent(event(TENANT_MOVE_EVENTS.moved));
    await waiting;
    expect(done).toBe(true);
    hold.onEvent(event(TENANT_MOVE_EVENTS.moving));
    started = Date.now();
    await hold.settled('acme', 100);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });
});
