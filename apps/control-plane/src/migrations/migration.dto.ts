import { z } from 'zod';

/** POST /v1/migrations: which tenants and modules, and how. */
export const migrationBody = z
  .object({
    tenants: z.array(z.string()).optional().meta({ description: 'Tenant ids (default: every tenant).' }),
    modules: z.array(z.string()).optional().meta({ description: 'Modules (default: every module).' }),
    concurrency: z.number().int().min(1).max(64).optional(),
    concurrencyPerServer: z.number().int().min(1).max(64).optional().meta({ description: 'At most this many tenants of one server at once.' }),
    canary: z.number().int().min(0).optional().meta({ description: 'Migrate this many tenants first, one by one; stop if any fails.' }),
    continueOnError: z.boolean().optional(),
  })
  .strict();
