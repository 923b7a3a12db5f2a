/**
 * Which connection of the shared schema-mode pool serves a request: a small scheduler over
 * a fixed number of slots (each slot one server connection, opened when first needed).
 *
 * Each tenant has two home slots (from a hash of its id). A request takes a free home slot;
 * when both are busy, a free slot whose connection has served the tenant before (its
 * catalog entries are loaded there already), else it waits for one, and only after
 * `stealAfterMs` does any free slot serve it. So each backend serves about 2/n of the
 * fleet (and the hot tenants it took on), not all of it:
 *  - PostgreSQL's catalog caches (relcache, catcache: ~24 KB a tenant, never shrunk) stay
 *    bounded per backend, and their cold loads happen about twice per tenant, not n times;
 *  - under uniform traffic the connection mostly carries the tenant already: no switch.
 * A slot let go serves the oldest waiter that has it as a home, else the oldest waiter that
 * has waited `stealAfterMs`: no slot stays free while a request has waited that long (a hot
 * tenant gets more than its two homes), and no request waits for ever (`acquireTimeoutMs`).
 */
export interface Slot {
  readonly index: number;
  /** The slot's connection while it has one (what it carries is the caller's to know). */
  client: unknown;
  busy: boolean;
  /** Tenants this connection has served (PostgreSQL keeps their catalog entries for the backend's life); cleared with a new connection. */
  readonly served: Set<string>;
}

interface Waiter {
  readonly tenant: string;
  readonly homes: readonly [number, number];
  stealable: boolean;
  timer: NodeJS.Timeout;
  grant(slot: Slot): void;
}

export interface AffinityOptions {
  /** How long a request waits for one of its home slots before any free slot serves it. */
  stealAfterMs: number;
  /** How long a request waits in all before `busy()` is its answer. */
  acquireTimeoutMs: number;
  /** The tenant the slot's connection carries, if any. */
  carries(slot: Slot): string | undefined;
  busy(): Error;
}

export class AffinitySlots {
  readonly slots: Slot[];
  private waiting: Waiter[] = [];
  /** Requests served by a slot that is not one of their homes (one that had served the tenant, at once; any, after stealAfterMs). */
  steals = 0;

  constructor(
    count: number,
    private readonly options: AffinityOptions,
  ) {
    this.slots = Array.from({ length: Math.max(1, count) }, (_, index) => ({ index, client: undefined, busy: false, served: new Set<string>() }));
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** The tenant's two home slots (the same one twice when there is one slot). */
  homes(tenant: string): [number, number] {
    const n = this.slots.length;
    const h = fnv1a(tenant);
    const first = h % n;
    if (n === 1) return [0, 0];
    return [first, (first + 1 + ((h >>> 16) % (n - 1))) % n];
  }

  /** A slot marked busy for the tenant's request; `release` it when done. */
  reserve(tenant: string): Promise<Slot> {
    const homes = this.homes(tenant);
    const home = this.pick(tenant, homes.map((i) => this.slots[i]!));
    if (home) return Promise.resolve(this.take(home));
    // a hot tenant's homes are busy: a connection that has served it before serves it at once (nothing new to load there)
    const warm = this.slots.find((slot) => !slot.busy && slot.client !== undefined && slot.served.has(tenant));
    if (warm) {
      this.steals++;
      return Promise.resolve(this.take(warm));
    }
    return new Promise<Slot>((resolve, reject) => {
      const waiter: Waiter = {
        tenant,
        homes,
        stealable: false,
        grant: (slot) => {
          clearTimeout(waiter.timer);
          if (slot.index !== homes[0] && slot.index !== homes[1]) this.steals++;
          resolve(this.take(slot));
        },
        timer: setTimeout(() => {
          waiter.stealable = true;
          const free = this.pick(tenant, this.slots);
          if (free) {
            this.remove(waiter);
            return waiter.grant(free);
          }
          waiter.timer = setTimeout(() => {
            this.remove(waiter);
            reject(this.options.busy());
          }, Math.max(0, this.options.acquireTimeoutMs - this.options.stealAfterMs));
        }, this.options.stealAfterMs),
      };
      this.waiting.push(waiter);
    });
  }

  /** The slot is free again: the oldest waiter it is a home of takes it, else the oldest that may take any. */
  release(slot: Slot): void {
    slot.busy = false;
    const index = this.waiting.findIndex((w) => w.homes[0] === slot.index || w.homes[1] === slot.index || w.stealable);
    if (index < 0) return;
    const [waiter] = this.waiting.splice(index, 1);
    waiter!.grant(slot);
  }

  /** Of `candidates`, a free one: one carrying the tenant, else one that has served it, else one with a connection, else any. */
  private pick(tenant: string, candidates: Slot[]): Slot | undefined {
    let served: Slot | undefined;
    let open: Slot | undefined;
    let any: Slot | undefined;
    for (const slot of candidates) {
      if (slot.busy) continue;
      if (slot.client !== undefined && this.options.carries(slot) === tenant) return slot;
      if (slot.client !== undefined && slot.served.has(tenant)) served ??= slot;
      else if (slot.client !== undefined) open ??= slot;
      else any ??= slot;
    }
    return served ?? open ?? any;
  }

  private take(slot: Slot): Slot {
    slot.busy = true;
    return slot;
  }

  private remove(waiter: Waiter): void {
    const i = this.waiting.indexOf(waiter);
    if (i >= 0) this.waiting.splice(i, 1);
  }
}

/** 32-bit FNV-1a of a string's UTF-16 code units: a cheap, stable spread of tenant ids. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
