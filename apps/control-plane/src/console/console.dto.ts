import { z } from 'zod';
import { TENANT_ID_PATTERN } from '@kryonix/domain';

/** A form field that may come once or several times (checkboxes): always a list. */
const list = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(100)).max(50));
const optional = <T extends z.ZodTypeAny>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const csrf = z.string().optional();

export const tenantsFilter = z
  .object({
    q: optional(z.string().max(100)),
    status: optional(z.enum(['provisioning', 'active', 'suspended', 'deleting'])),
    mode: optional(z.enum(['database', 'schema'])),
    module: optional(z.string().max(63)),
    server: optional(z.string().max(63)),
    after: optional(z.string().regex(TENANT_ID_PATTERN, 'not a page this console gave (follow its Next page link)')),
  })
  .strict();

export const signInForm = z.object({ token: z.string().max(1024).default(''), _csrf: csrf }).strict();
export const csrfOnly = z.object({ _csrf: csrf }).strict();
export const deleteForm = z.object({ _csrf: csrf, confirm: z.string().max(100).default('') }).strict();
export const modulesForm = z.object({ _csrf: csrf, modules: list, purge: z.literal('true').optional() }).strict();
export const newTenantForm = z
  .object({ _csrf: csrf, id: z.string().max(200).default(''), name: z.string().max(1000).default(''), modules: list, mode: optional(z.string().max(20)), server: optional(z.string().max(63)) })
  .strict();

export const fleetQuery = z
  .object({
    job: optional(z.string().uuid('not a job id (a UUID)')),
    queued: optional(z.enum(['drift', 'rollout', 'restore'])),
  })
  .strict();

/** Restore a backup of the Fleet page as a new tenant: `confirm` must name the backup (its checkbox's value). */
export const restoreForm = z.object({ _csrf: csrf, backup: z.string().max(255), as: z.string().max(200).default(''), confirm: z.string().max(255).default('') }).strict();
