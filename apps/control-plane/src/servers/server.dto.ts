import { z } from 'zod';
import { SERVER_NAME_PATTERN } from '@kryonix/domain';

/** `POST /v1/servers`: the body of `kryonix server add`. The URLs are secrets: kept encrypted, never answered back. */
export const addServerBody = z
  .object({
    name: z.string().meta({ pattern: SERVER_NAME_PATTERN.source, example: 'pg-sa-east-2' }),
    adminUrl: z.string().meta({ description: 'postgres://<user>:<password>@<host>:<port>/<db> of a role that may create databases and roles.' }),
    replicationUrl: z.string().optional().meta({ description: 'How other servers reach this one for a move, when not the admin URL.' }),
    tags: z.record(z.string(), z.string()).optional().meta({ example: { region: 'sa-east' } }),
    maxTenants: z.number().int().min(1).nullable().optional(),
    maxStorageBytes: z.number().int().min(1).nullable().optional(),
    moves: z.boolean().optional().meta({ description: 'false: never move tenants to or from it (replication settings not checked).', default: true }),
  })
  .strict();
