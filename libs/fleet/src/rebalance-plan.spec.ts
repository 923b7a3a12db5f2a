import { RebalanceServer, planRebalance } from './rebalance-plan';

const tenants = (prefix: string, n: number, bytes = 100) => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, storageBytes: bytes }));

describe('rebalance plan', () => {
  it('moves the fewest tenants that bring every server within 10% (or one tenant) of its share', () => {
    const servers: RebalanceServer[] = [
      { name: 'a', maxTenants: null, tenants: tenants('a', 10) },
      { name: 'b', maxTenants: null, tenants: [] },
    ];
    const moves = planRebalance(servers);
    // 4 bring the counts within one tenant of 5 each; a fifth evens the storage (every tenant the same size)
    expect(moves.map((m) => m.why)).toEqual(['tenants', 'tenants', 'tenants', 'tenants', 'storage']);
    expect(moves.every((m) => m.from === 'a' && m.to === 'b')).toBe(true);
  });

  it('counts shares relative to the servers\' limits', () => {
    const moves = planRebalance([
      { name: 'big', maxTenants: 300, tenants: tenants('x', 20) },
      { name: 'small', maxTenants: 100, tenants: tenants('y', 20) },
    ]);
    // fair: 30 on big, 10 on small; 9 moves leave small one over (its slack), storage then within 10%
    expect(moves).toHaveLength(9);
    expect(moves.every((m) => m.from === 'small' && m.to === 'big' && m.why === 'tenants')).toBe(true);
  });

  it('does nothing when already balanced, with one server, or when a move cannot help', () => {
    expect(planRebalance([{ name: 'a', maxTenants: null, tenants: tenants('a', 5) }, { name: 'b', maxTenants: null, tenants: tenants('b', 5) }])).toEqual([]);
    expect(planRebalance([{ name: 'a', maxTenants: null, tenants: tenants('a', 9) }])).toEqual([]);
    expect(planRebalance([{ name: 'a', maxTenants: null, tenants: tenants('a', 3) }, { name: 'b', maxTenants: null, tenants: tenants('b', 2) }])).toEqual([]);
  });

  it('then evens storage out without unbalancing the counts, smallest tenants first for counts', () => {
    const moves = planRebalance([
      { name: 'a', maxTenants: null, tenants: [{ id: 'huge', storageBytes: 1000 }, { id: 'a1', storageBytes: 10 }, { id: 'a2', storageBytes: 10 }] },
      { name: 'b', maxTenants: null, tenants: [{ id: 'b1', storageBytes: 10 }, { id: 'b2', storageBytes: 10 }] },
    ]);
    // counts 3/2 are within one tenant; storage 1020 vs 20: moving `huge` only swaps the sides, and the small ones are not worth a copy
    expect(moves).toEqual([]);
    const storage = planRebalance([
      { name: 'a', maxTenants: null, tenants: [{ id: 'big1', storageBytes: 500 }, { id: 'big2', storageBytes: 500 }, { id: 's1', storageBytes: 10 }] },
      { name: 'b', maxTenants: null, tenants: [{ id: 's2', storageBytes: 10 }, { id: 's3', storageBytes: 10 }, { id: 's4', storageBytes: 10 }] },
    ]);
    expect(storage).toEqual([{ tenant: 'big1', from: 'a', to: 'b', why: 'storage' }]);
  });

  it('never plans to move a tenant that a move would refuse (suspended, being moved); those still weigh on their server', () => {
    const held = tenants('h', 6).map((t) => ({ ...t, movable: false }));
    const moves = planRebalance([
      { name: 'a', maxTenants: null, tenants: [...held, ...tenants('a', 4)] },
      { name: 'b', maxTenants: null, tenants: [] },
    ]);
    // 10 on a, 0 on b: 5 each would take 5 moves, but only the 4 movable ones can go
    expect(moves.map((m) => m.tenant).sort()).toEqual(['a0', 'a1', 'a2', 'a3']);
    expect(planRebalance([{ name: 'a', maxTenants: null, tenants: held }, { name: 'b', maxTenants: null, tenants: [] }])).toEqual([]);
  });

  it('never plans a move to a server at its max tenants', () => {
    const moves = planRebalance([
      { name: 'a', maxTenants: null, tenants: [{ id: 'big', storageBytes: 1000 }, { id: 'a1', storageBytes: 300 }, { id: 'a2', storageBytes: 300 }] },
      { name: 'full', maxTenants: 2, tenants: [{ id: 'f1', storageBytes: 10 }, { id: 'f2', storageBytes: 10 }] },
    ]);
    expect(moves).toEqual([]);
  });
});
