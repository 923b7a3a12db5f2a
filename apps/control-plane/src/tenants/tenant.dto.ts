import { z } from 'zod';
import { InvalidInput } from '@kryonix/domain';

/** Shape checks of request bodies; the domain validates the values themselves. */
export const createTenantBody = z
  .object({
    id: z.string(),
    name: z.string(),
    modules: z.array(z.string()),
    mode: z.string().optional(),
  })
  .strict();

export const changeModulesBody = z.object({ modules: z.array(z.string()), purge: z.boolean().default(false) }).strict();

export const rotateKeyBody = z.object({ overlapSeconds: z.number().int().min(0).max(7 * 24 * 3600).default(0) }).strict();

export const rateLimitBody = z.object({ perMinute: z.number().int().min(1).nullable() }).strict();

export const listTenantsQuery = z
  .object({
    status: z.enum(['provisioning', 'active', 'suspended', 'deleting']).optional(),
    module: z.string().optional(),
    cursor: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export function parse<T extends z.ZodTypeAny>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ');
    throw new InvalidInput(`Invalid ${what}: ${issues}.`);
  }
  return result.data;
}
