import { z } from 'zod';
import { ISOLATION_MODES, InvalidInput, TENANT_ID_PATTERN } from '@kryonix/domain';

/**
 * Shape checks of request bodies; the domain validates the values themselves. The
 * `meta` of a field documents the domain's rule in the OpenAPI document (it is not
 * checked here), which is made from these schemas (docs/openapi.schemas.ts).
 */
export const createTenantBody = z
  .object({
    id: z.string().meta({
      description: 'Tenant id and subdomain; reserved names (www, api, admin, app, mail, kryonix, …) are refused.',
      pattern: TENANT_ID_PATTERN.source,
      example: 'siqueiracampos',
    }),
    name: z.string().meta({ minLength: 1, maxLength: 255, example: 'Siqueira Campos Imóveis' }),
    modules: z.array(z.string()).meta({ description: 'Dependencies must be listed too.', example: ['crm', 'whatsapp'] }),
    mode: z.string().optional().meta({ enum: [...ISOLATION_MODES], default: 'database' }),
    server: z.string().optional().meta({ description: 'The server to make it on; else placement picks the active server with room and the fewest tenants.', example: 'default' }),
    tags: z.record(z.string(), z.string()).optional().meta({ description: 'Tags the chosen server must have.', example: { region: 'sa-east' } }),
  })
  .strict();

export const changeModulesBody = z
  .object({
    modules: z.array(z.string()).meta({ description: 'The whole wanted set.' }),
    purge: z.boolean().default(false).meta({ description: 'Drop the schemas (and data) of removed modules instead of detaching them.' }),
  })
  .strict();

export const moveTenantBody = z
  .object({
    to: z.string().meta({ description: 'The server to move the tenant to.', example: 'pg-b' }),
    attempts: z.number().int().min(1).max(20).default(3).meta({ description: 'Cut-over attempts before the move gives up (each holds writes at most KRYONIX_MOVE_MAX_PAUSE).' }),
  })
  .strict();

export const rotateKeyBody = z
  .object({ overlapSeconds: z.number().int().min(0).max(7 * 24 * 3600).default(0).meta({ description: 'How long the old keys keep working.' }) })
  .strict();

export const rateLimitBody = z.object({ perMinute: z.number().int().min(1).nullable().meta({ description: 'Requests per minute; null: KRYONIX_RATE_LIMIT.' }) }).strict();

export const listTenantsQuery = z
  .object({
    status: z.enum(['provisioning', 'active', 'suspended', 'deleting']).optional(),
    module: z.string().optional(),
    mode: z.enum(['database', 'schema']).optional(),
    // The cursor is the last tenant id of the previous page (nextCursor).
    cursor: z.string().regex(TENANT_ID_PATTERN, 'not a cursor this API gave (pass back the nextCursor of the previous page)').optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ');
    throw new InvalidInput(`Invalid ${what}: ${issues}.`, { field: String(result.error.issues[0]?.path[0] ?? '') || undefined });
  }
  return result.data;
}
