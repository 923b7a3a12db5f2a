import { Command } from '@nestjs/cqrs';

/**
 * Rewrites the generated files (sdk.env and the monitoring files) of every live tenant
 * when the tenant URL pattern (KRYONIX_PUBLIC_URL, or the base domain and data port)
 * or the backup alerts (KRYONIX_BACKUP_SCHEDULE) are not the ones they were written with. Run by the control plane when it starts.
 * Returns the tenants rewritten (none when nothing changed).
 */
export class RefreshTenantFilesCommand extends Command<string[]> {}
