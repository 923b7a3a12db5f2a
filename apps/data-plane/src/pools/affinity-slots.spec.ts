import { AffinitySlots } from './affinity-slots';

/** The scheduler alone (its connections are the data plane's; affinity-slots.int.spec.ts runs it on a real server). */
function slots(count: number, stealAfterMs = 20, acquireTimeoutMs = 200) {
  const carried = new Map<number, string>();
  const s = new AffinitySlots(count, {
    stealAfterMs,
    acquireTimeoutMs,
    carries: (slot) => carried.get(slot.index),
    busy: () => new Error('busy'),
  });
  /** Reserve, and say the slot now has a connection carrying the tenant. */
  const use = async (tenant: string) => {
    const slot = await s.reserve(tenant);
    slot.client = {};
    slot.served.add(tenant);
    carried.set(slot.index, tenant);
    return slot;
  };
  return { s, use, carried };
}

const tenants = Array.from({ length: 200 }, (_, i) => `t${i}`);

it('gives every tenant two distinct home slots, the same each time, spread over all slots', () => {
  const { s } = slots(16);
  const load = new Array<number>(16).fill(0);
  for (const t of tenants) {
    const [a, b] = s.homes(t);
    expect(a).not.toBe(b);
    expect(s.homes(t)).toEqual([a, b]);
    load[a]!++;
    load[b]!++;
  }
  // 400 homes over 16 slots: 25 each on average, none empty, none with more than twice that
  expect(Math.min(...load)).toBeGreaterThan(0);
  expect(Math.max(...load)).toBeLessThan(50);
  expect(slots(1).s.homes('t1')).toEqual([0, 0]);
});

it('serves sequential requests of a tenant on its home slots only, preferring the one that carries it', async () => {
  const { s, use } = slots(8);
  for (const t of tenants.slice(0, 40)) {
    const homes = s.homes(t);
    for (let i = 0; i < 5; i++) {
      const slot = await use(t);
      expect(homes).toContain(slot.index);
      s.release(slot);
    }
  }
  // the tenant's last slot carries it: it is taken again rather than the other home
  const [a] = s.homes('t7');
  const first = await use('t7');
  s.release(first);
  for (let i = 0; i < 3; i++) {
    const again = await s.reserve('t7');
    expect(again.index).toBe(first.index);
    s.release(again);
  }
  expect(a).toBeDefined();
  expect(s.steals).toBe(0);
});

it('a request whose homes are busy waits for one of them, and a home let go serves it before an older waiter of other slots', async () => {
  const { s } = slots(8, 1_000);
  const t = 't3';
  const [a, b] = s.homes(t);
  const others = tenants.find((x) => !s.homes(x).includes(a!) && !s.homes(x).includes(b!))!;
  // its homes and the other tenant's homes all in use
  const held = [a!, b!, ...s.homes(others)].map((i) => s.slots[i]!);
  for (const slot of held) slot.busy = true;
  let otherServed = false;
  void s.reserve(others).then(() => (otherServed = true));
  const waiting = s.reserve(t);
  expect(s.waitingCount).toBe(2);
  // one of its homes is let go: it is served there, although the other request has waited longer
  s.release(held[0]!);
  const got = await waiting;
  expect(got.index).toBe(a);
  expect(otherServed).toBe(false);
  expect(s.waitingCount).toBe(1);
  s.release(held[2]!);
  await new Promise((r) => setImmediate(r));
  expect(otherServed).toBe(true);
  expect(s.steals).toBe(0);
});

it('after stealAfterMs any free slot serves it (counted as a steal); a slot let go serves such a waiter too', async () => {
  const { s, use } = slots(4, 15);
  const t = 't5';
  const homes = s.homes(t);
  const held = await Promise.all(homes.map(async () => use(t)));
  expect(held.map((h) => h.index).sort()).toEqual([...homes].sort());
  const started = Date.now();
  const stolen = await s.reserve(t);
  expect(Date.now() - started).toBeGreaterThanOrEqual(10);
  expect(homes).not.toContain(stolen.index);
  expect(s.steals).toBe(1);
  // every slot busy now: a waiter past its steal time takes the first slot let go, home or not
  const rest = s.slots.filter((x) => !x.busy);
  for (const x of rest) x.busy = true;
  const late = s.reserve(t);
  await new Promise((r) => setTimeout(r, 30));
  s.release(stolen);
  expect((await late).index).toBe(stolen.index);
  expect(s.steals).toBe(2);
});

it('a request that finds no slot within acquireTimeoutMs gets the busy error and leaves the queue', async () => {
  const { s } = slots(2, 5, 60);
  for (const x of s.slots) x.busy = true;
  const started = Date.now();
  await expect(s.reserve('t1')).rejects.toThrow('busy');
  expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  expect(s.waitingCount).toBe(0);
});

it('a tenant whose homes are busy is served at once by a free connection that has served it before (no wait), counted as a steal', async () => {
  const { s, use } = slots(6, 1_000);
  const t = 't9';
  const homes = s.homes(t);
  const held = await Promise.all(homes.map(() => use(t)));
  // a third request waits past the steal delay only in the test below; here a stolen slot is made warm by hand
  const other = s.slots.find((x) => !homes.includes(x.index))!;
  other.client = {};
  other.served.add(t);
  const started = Date.now();
  const got = await s.reserve(t);
  expect(got.index).toBe(other.index);
  expect(Date.now() - started).toBeLessThan(500);
  expect(s.steals).toBe(1);
  // one that has never served it is not taken before the steal delay: the request waits
  s.release(got);
  other.served.clear();
  let served = false;
  const waiting = s.reserve(t).then((slot) => ((served = true), slot));
  await new Promise((r) => setTimeout(r, 30));
  expect(served).toBe(false);
  s.release(held[0]!);
  expect(homes).toContain((await waiting).index);
});
