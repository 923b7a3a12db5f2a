import { InvalidInput, TenantMoving, TenantNotFound, TenantStateConflict, validateIsolationMode, validateServerName } from '@kryonix/domain';
import type { TenantRecord } from '@kryonix/registry';

/**
 * What `restore --replace` refuses about the tenant replaced, before anything is made: a
 * tenant that is missing, moving, neither active nor suspended, or a mode or server other
 * than its own (a replace keeps both). The same checks when a replace job is submitted
 * (a 4xx, nothing queued) and when it runs (under the tenant's lock).
 */
export function refuseReplace(id: string, existing: TenantRecord | undefined, openMove: { id: string; target: string } | undefined, input: { mode?: unknown; server?: unknown }): TenantRecord {
  if (openMove) throw new TenantMoving(id, openMove, 'replace');
  if (!existing) throw new TenantNotFound(id);
  if (existing.status !== 'active' && existing.status !== 'suspended') throw new TenantStateConflict(id, existing.status, 'replace');
  if (input.mode !== undefined && validateIsolationMode(input.mode) !== existing.mode) throw new InvalidInput(`--replace keeps the tenant's mode (${existing.mode}); --mode ${String(input.mode)} is not allowed with it.`, { field: 'mode' });
  if (input.server !== undefined && validateServerName(input.server) !== existing.serverName) throw new InvalidInput(`--replace restores on the tenant's own server (${existing.serverName}); move it afterwards (kryonix tenant move) to change servers.`, { field: 'server' });
  return existing;
}
