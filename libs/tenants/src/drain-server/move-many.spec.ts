import { MoveLimiter } from './move-limiter';
import { moveMany } from './move-many';

/** Runs `moves` with `workers` through a limiter of `caps`, each move taking a few turns; returns the most seen at once per source and target. */
async function peaks(moves: Array<{ from: string; to: string }>, workers: number, caps: Record<string, { source: number; target: number }>) {
  const limiter = new MoveLimiter(new Map(Object.entries(caps)));
  const now = { out: new Map<string, number>(), into: new Map<string, number>() };
  const peak = { out: new Map<string, number>(), into: new Map<string, number>() };
  const bump = (m: Map<string, number>, p: Map<string, number>, k: string, by: number) => {
    m.set(k, (m.get(k) ?? 0) + by);
    p.set(k, Math.max(p.get(k) ?? 0, m.get(k)!));
  };
  const order: number[] = [];
  const failed: string[] = [];
  await moveMany(
    moves.map((m, i) => ({ ...m, i })),
    workers,
    async (m) => {
      order.push(m.i);
      bump(now.out, peak.out, m.from, 1);
      bump(now.into, peak.into, m.to, 1);
      await new Promise((r) => setTimeout(r, 5 + (m.i % 3) * 5));
      bump(now.out, peak.out, m.from, -1);
      bump(now.into, peak.into, m.to, -1);
      if (m.i === 1) throw new Error('boom');
    },
    (m, error) => failed.push(`${m.i}: ${error}`),
    { limiter, servers: (m) => m },
  );
  return { out: Object.fromEntries(peak.out), into: Object.fromEntries(peak.into), order, failed, running: limiter.running };
}

describe('moveMany within the servers\' replication limits', () => {
  it('never runs more moves into a target or out of a source than their caps, whatever the concurrency; every move runs once', async () => {
    const moves = [
      ...Array.from({ length: 6 }, () => ({ from: 'a', to: 'c' })),
      ...Array.from({ length: 4 }, () => ({ from: 'b', to: 'd' })),
    ];
    const r = await peaks(moves, 8, { a: { source: 3, target: 1 }, b: { source: 1, target: 1 }, c: { source: 1, target: 2 }, d: { source: 1, target: 4 } });
    expect(r.into).toEqual({ c: 2, d: 1 });
    expect(r.out).toEqual({ a: 2, b: 1 });
    expect([...r.order].sort((x, y) => x - y)).toEqual(moves.map((_, i) => i));
    // a move that fails gives its places back like one that succeeds
    expect(r.failed).toEqual(['1: boom']);
    expect(r.running).toBe(0);
  });

  it('a move whose servers are busy waits while later ones that fit go first', async () => {
    const r = await peaks([{ from: 'a', to: 'c' }, { from: 'a', to: 'c' }, { from: 'a', to: 'd' }], 2, { a: { source: 2, target: 1 }, c: { source: 1, target: 1 }, d: { source: 1, target: 1 } });
    expect(r.order.slice(0, 2)).toEqual([0, 2]);
    expect(r.into).toEqual({ c: 1, d: 1 });
  });

  it('a server it could not read carries one move at a time', () => {
    const limiter = new MoveLimiter(new Map());
    expect(limiter.fits('x', 'y')).toBe(true);
    const release = limiter.take('x', 'y');
    expect(limiter.fits('x', 'z')).toBe(false);
    expect(limiter.fits('w', 'y')).toBe(false);
    release();
    release(); // given back once only
    expect(limiter.fits('x', 'y')).toBe(true);
    expect(limiter.running).toBe(0);
  });
});
