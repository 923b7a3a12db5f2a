import { z } from 'zod';
import { TENANT_ID_PATTERN } from '@kryonix/domain';

/** `GET /v1/backups?tenant=`: the query of `kryonix backup list [<id>]`. */
export const listBackupsQuery = z
  .object({
    tenant: z.string().regex(TENANT_ID_PATTERN, 'a tenant id (lowercase letters, digits and "-", 3 to 40 characters)').optional().meta({ description: "Only this tenant's backups (also of a tenant that is gone)." }),
    id: z.string().optional().meta({ description: 'Only this backup (404 when it is not in the folder).', example: 'siqueiracampos-20261201T030000Z' }),
  })
  .strict();
