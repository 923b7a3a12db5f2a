import { InvalidInput, validateTenantId } from '@kryonix/domain';

/**
 * `--replace <id>` takes only the tenant's own backup, and no `--as`: a replace keeps the
 * tenant's id, role and API keys, so another tenant's rows would reach this tenant's apps
 * under its keys (restore that backup as a new tenant with --as instead). Checked when a
 * replace job is submitted and when a replace runs.
 */
export function ownBackup(rawId: unknown, backupTenant: string, as: string | undefined): string {
  const id = validateTenantId(rawId);
  if (as !== undefined) throw new InvalidInput("--as and --replace cannot be given together: --replace keeps the tenant's id.", { field: 'as' });
  if (backupTenant !== id) {
    throw new InvalidInput(`The backup is of tenant "${backupTenant}", not "${id}": --replace only restores a tenant's own backup (it keeps "${id}"'s role and API keys). Restore it as a new tenant with --as <new-id>.`, { field: 'replace' });
  }
  return id;
}
