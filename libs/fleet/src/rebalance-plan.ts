/**
 * `kryonix rebalance`: the fewest moves that bring every active server's share of the
 * tenants (relative to its limit) within 10% of the mean, then, without undoing that,
 * its share of the storage. Cordoned and draining servers neither give nor take.
 */
export interface RebalanceServer {
  name: string;
  /** max tenants; null: no limit (weighs as the largest limit set, or as an equal share when none is). */
  maxTenants: number | null;
  /** `movable: false` (a suspended tenant, one being moved): it weighs on its server but is never planned to move (a move would refuse it). */
  tenants: ReadonlyArray<{ id: string; storageBytes: number; movable?: boolean }>;
}

export interface PlannedMove {
  tenant: string;
  from: string;
  to: string;
  /** 'tenants' (count balance) or 'storage'. */
  why: 'tenants' | 'storage';
}

/** How far a server may be from its fair share: 10% of it, and never less than one tenant (counts are whole). */
export const REBALANCE_TOLERANCE = 0.1;

const movable = (t: RebalanceServer['tenants'][number]) => t.movable !== false;

export function planRebalance(servers: readonly RebalanceServer[]): PlannedMove[] {
  if (servers.length < 2) return [];
  const limits = servers.map((s) => s.maxTenants).filter((n): n is number => n !== null);
  const weightOf = (s: RebalanceServer) => s.maxTenants ?? (limits.length ? Math.max(...limits) : 1);
  const state = servers.map((s) => ({ name: s.name, weight: weightOf(s), max: s.maxTenants, tenants: [...s.tenants] }));
  const totalWeight = state.reduce((n, s) => n + s.weight, 0);
  const totalTenants = state.reduce((n, s) => n + s.tenants.length, 0);
  const moves: PlannedMove[] = [];
  const fair = (s: (typeof state)[number]) => (totalTenants * s.weight) / totalWeight;
  const slack = (s: (typeof state)[number]) => Math.max(REBALANCE_TOLERANCE * fair(s), 1);
  const over = (s: (typeof state)[number]) => s.tenants.length - fair(s);
  /** A server at its max tenants takes none (a move there would be refused), whatever its share. */
  const room = (s: (typeof state)[number]) => s.max === null || s.tenants.length < s.max;
  // 1. tenant counts: from the most over its share to the most under it, smallest tenants first (cheapest to copy)
  for (let guard = 0; guard < totalTenants; guard++) {
    const byOver = [...state].sort((a, b) => over(b) - over(a));
    const giver = byOver[0]!;
    const taker = byOver.filter(room).at(-1);
    if (!taker || taker === giver) break;
    if (over(giver) <= slack(giver) && -over(taker) <= slack(taker)) break;
    // a move helps only if it does not push the taker past its share by more than it takes off the giver
    if (over(giver) - over(taker) < 2 - 1e-9) break;
    const tenant = giver.tenants.filter(movable).sort((a, b) => a.storageBytes - b.storageBytes || (a.id < b.id ? -1 : 1))[0];
    if (!tenant) break;
    giver.tenants.splice(giver.tenants.indexOf(tenant), 1);
    taker.tenants.push(tenant);
    moves.push({ tenant: tenant.id, from: giver.name, to: taker.name, why: 'tenants' });
  }
  // 2. storage, keeping every count within its slack: the tenant that best halves the gap between the fullest and the emptiest
  const totalBytes = state.reduce((n, s) => n + s.tenants.reduce((m, t) => m + t.storageBytes, 0), 0);
  const bytes = (s: (typeof state)[number]) => s.tenants.reduce((m, t) => m + t.storageBytes, 0);
  const fairBytes = (s: (typeof state)[number]) => (totalBytes * s.weight) / totalWeight;
  for (let guard = 0; guard < totalTenants && totalBytes > 0; guard++) {
    const byFill = [...state].sort((a, b) => bytes(b) / fairBytes(b) - bytes(a) / fairBytes(a));
    const giver = byFill[0]!;
    const taker = byFill.filter(room).at(-1);
    if (!taker || taker === giver) break;
    const giverExcess = bytes(giver) - fairBytes(giver);
    const takerGap = fairBytes(taker) - bytes(taker);
    if (giverExcess <= REBALANCE_TOLERANCE * fairBytes(giver) && takerGap <= REBALANCE_TOLERANCE * fairBytes(taker)) break;
    if (over(giver) - 1 < -slack(giver) || over(taker) + 1 > slack(taker)) break; // counts would leave their slack
    const target = Math.min(giverExcess, takerGap);
    // a move must be worth its copy: at least the tolerance of the giver's share, and not overshoot past the other side
    const tenant = giver.tenants.filter(movable).filter((t) => t.storageBytes >= REBALANCE_TOLERANCE * fairBytes(giver) && t.storageBytes < 2 * target).sort((a, b) => Math.abs(a.storageBytes - target) - Math.abs(b.storageBytes - target))[0];
    if (!tenant) break; // no tenant narrows the gap
    giver.tenants.splice(giver.tenants.indexOf(tenant), 1);
    taker.tenants.push(tenant);
    moves.push({ tenant: tenant.id, from: giver.name, to: taker.name, why: 'storage' });
  }
  return moves;
}
