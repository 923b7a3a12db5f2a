import { InvalidInput, ServerUnfit, formatTags, tagsMatch } from '@kryonix/domain';
import type { ServerRecord } from '@kryonix/registry';

/** A server as placement weighs it: its record, the tenants it holds, its Kryonix storage (null: unknown now). */
export interface PlacementCandidate {
  server: Pick<ServerRecord, 'name' | 'state' | 'tags' | 'maxTenants' | 'maxStorageBytes'>;
  tenants: number;
  storageBytes: number | null;
}

export interface Placement {
  server: string;
  /** One sentence, written to the provisioning log: why this server. */
  reason: string;
}

/**
 * Where a new tenant goes. With `server`: that one, if it is active and has room. Without:
 * the active servers whose tags include `tags` and that have room (under max tenants, and
 * under max storage when their storage is known), the fewest tenants first, then the least
 * storage, then the name. Refusals say which servers were passed over and why.
 */
export function placeTenant(candidates: readonly PlacementCandidate[], want: { server?: string; tags?: Record<string, string> } = {}): Placement {
  const wantedTags = want.tags ?? {};
  const wanted = formatTags(wantedTags);
  /** Why `c` takes no new tenant (undefined: it takes one); an explicit --server is not asked for tags. */
  const why = (c: PlacementCandidate, checkTags = true): string | undefined => {
    if (c.server.state !== 'active') return `${c.server.state}`;
    if (checkTags && !tagsMatch(c.server.tags, wantedTags)) return `tags ${formatTags(c.server.tags) || 'none'}`;
    if (c.server.maxTenants !== null && c.tenants >= c.server.maxTenants) return `full (${c.tenants} of ${c.server.maxTenants} tenants)`;
    if (c.server.maxStorageBytes !== null && c.storageBytes !== null && c.storageBytes >= c.server.maxStorageBytes) return 'full (storage at its limit)';
    return undefined;
  };
  if (want.server !== undefined) {
    const chosen = candidates.find((c) => c.server.name === want.server);
    if (!chosen) throw new InvalidInput(`Unknown --server "${want.server}": the servers are ${candidates.map((c) => c.server.name).join(', ')}.`, { field: 'server' });
    const refusal = why(chosen, false);
    if (refusal) throw new ServerUnfit(chosen.server.name, `Server "${chosen.server.name}" takes no new tenant: ${refusal}.`);
    return { server: chosen.server.name, reason: `asked for (--server ${chosen.server.name})` };
  }
  const fit = candidates.filter((c) => !why(c));
  if (fit.length === 0) {
    const passed = candidates.map((c) => `${c.server.name}: ${why(c)}`).join('; ');
    throw new ServerUnfit('(any)', `No server can take the tenant${wanted ? ` with ${wanted}` : ''} (${passed}).`);
  }
  const best = [...fit].sort((a, b) => a.tenants - b.tenants || (a.storageBytes ?? 0) - (b.storageBytes ?? 0) || (a.server.name < b.server.name ? -1 : 1))[0]!;
  const tagNote = wanted ? ` among those tagged ${wanted}` : '';
  return { server: best.server.name, reason: `fewest tenants (${best.tenants}) of ${fit.length} active server(s) with room${tagNote}` };
}
