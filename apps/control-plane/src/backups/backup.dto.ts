import { z } from 'zod';
import { ISOLATION_MODES, TENANT_ID_PATTERN } from '@kryonix/domain';
import { BACKUP_ID_PATTERN } from '@kryonix/provisioning';

/**
 * Bodies of the backup routes. A passphrase (for a backup made or restored with one) is
 * never logged nor audited, and the job keeps it sealed under the master key.
 */
const passphrase = z.string().optional().meta({ description: 'Encrypt (backup) or read (restore) with a key from this passphrase (scrypt, at least 12 characters) instead of the master key; never logged, audited only as `encryption: passphrase`.', writeOnly: true });
const mode = z.string().optional().meta({ enum: [...ISOLATION_MODES], description: "Isolation of the new tenant (default: the backup's, or the source's)." });
const server = z.string().optional().meta({ description: 'The server to make it on (default: placement, as for create).', example: 'default' });

export const backupTenantBody = z.object({ passphrase }).strict();

export const restoreBody = z
  .object({
    backup: z.string().meta({ description: 'A backup id: the file name in KRYONIX_BACKUP_DIR without `.kxbackup` (from a backup job, `GET /v1/backups` or an upload); never a path.', pattern: BACKUP_ID_PATTERN.source, example: 'siqueiracampos-20260101T020000Z' }),
    as: z.string().optional().meta({ description: "The new tenant's id (default: the backup's, when no tenant has it).", pattern: TENANT_ID_PATTERN.source }),
    replace: z
      .string()
      .optional()
      .meta({
        description:
          "Restore over this existing tenant (active or suspended) instead of making a new one: its own backup only (another tenant's is 400), not with `as`; restored beside it on its server, then swapped in; same id, role and API key hashes, so its apps keep working; the replaced copy kept without access and purged after KRYONIX_DELETE_GRACE (the job's result says where: `replaced`).",
        pattern: TENANT_ID_PATTERN.source,
        example: 'siqueiracampos',
      }),
    mode,
    server,
    passphrase,
  })
  .strict();

export const cloneBody = z
  .object({
    id: z.string().meta({ description: "The copy's id.", pattern: TENANT_ID_PATTERN.source, example: 'siqueiracampos-demo' }),
    name: z.string().optional().meta({ description: "The copy's company name (default: the source's)." }),
    mode,
    server,
  })
  .strict();
