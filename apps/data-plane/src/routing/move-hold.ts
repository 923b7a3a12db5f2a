import { Inject, Injectable } from '@nestjs/common';
import { TENANT_MOVE_EVENTS } from '@kryonix/domain';

/** KRYONIX_MOVE_MAX_PAUSE: the longest a tenant's requests are held at a move's cut-over. */
export const MOVE_HOLD_MS = Symbol('MOVE_HOLD_MS');

interface Hold {
  released: Promise<void>;
  release(): void;
  timer: NodeJS.Timeout;
}

/**
 * A move's cut-over, as this data plane sees it: from `TenantMoving` until `TenantMoved`
 * (the registry points at the new server) or `TenantMoveAbandoned` (writes go on at the
 * source), the tenant's new requests wait here instead of failing against the locked
 * source; never longer than KRYONIX_MOVE_MAX_PAUSE, after which they go on whatever the
 * control plane said (its cut-over gives up before that). Nothing is held when no event
 * came (no NOTIFY connection): PostgreSQL's lock on the source still stops writes.
 */
@Injectable()
export class MoveHold {
  private readonly holds = new Map<string, Hold>();
  /** Tenants whose cut-over began and has not been said to end, with who waits for its end. */
  private readonly unsettled = new Map<string, Array<() => void>>();

  constructor(@Inject(MOVE_HOLD_MS) private readonly maxPauseMs: number) {}

  /** A tenant event's JSON ({ type, tenantId, at }); other events are not ours. */
  onEvent(message: string): void {
    let event: { type?: unknown; tenantId?: unknown };
    try {
      event = JSON.parse(message) as typeof event;
    } catch {
      return;
    }
    if (typeof event.tenantId !== 'string') return;
    if (event.type === TENANT_MOVE_EVENTS.moving) this.hold(event.tenantId);
    else if (event.type === TENANT_MOVE_EVENTS.moved || event.type === TENANT_MOVE_EVENTS.abandoned) {
      this.release(event.tenantId);
      this.settle(event.tenantId);
    }
  }

  hold(tenantId: string): void {
    if (this.holds.has(tenantId)) return;
    if (!this.unsettled.has(tenantId)) this.unsettled.set(tenantId, []);
    if (this.maxPauseMs <= 0) return;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const timer = setTimeout(() => this.release(tenantId), this.maxPauseMs);
    timer.unref();
    this.holds.set(tenantId, { released, release, timer });
  }

  release(tenantId: string): void {
    const hold = this.holds.get(tenantId);
    if (!hold) return;
    this.holds.delete(tenantId);
    clearTimeout(hold.timer);
    hold.release();
  }

  /** Resolves when a request for the tenant may go on: at once, unless a cut-over holds it. */
  async wait(tenantId: string): Promise<void> {
    const hold = this.holds.get(tenantId);
    if (hold) await hold.released;
  }

  /**
   * Resolves when the tenant's cut-over has ended (its TenantMoved or TenantMoveAbandoned
   * came, and with it its route is read again), at once when none is under way, and after
   * `maxWaitMs` at the latest (an end this data plane never hears of).
   */
  async settled(tenantId: string, maxWaitMs: number): Promise<void> {
    const waiting = this.unsettled.get(tenantId);
    if (!waiting) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs);
      timer.unref();
      waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private settle(tenantId: string): void {
    const waiting = this.unsettled.get(tenantId);
    this.unsettled.delete(tenantId);
    for (const resolve of waiting ?? []) resolve();
  }

  /** Whether the tenant is held now. */
  holding(tenantId: string): boolean {
    return this.holds.has(tenantId);
  }
}
