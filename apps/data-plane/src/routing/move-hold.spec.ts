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
});
