import type { ProvisionedTenant } from '@kryonix/provisioning';

/**
 * The one place that decides what of a result leaves the core, and what never reaches a log.
 *
 * Returned: a created or repaired tenant without the paths of its generated files (they
 * name folders of the machine that made them). Its API key is returned, once, on purpose.
 */
export type CreatedTenant = Omit<ProvisionedTenant, 'files'>;

export function publicTenant({ files: _files, ...tenant }: ProvisionedTenant): CreatedTenant {
  return tenant;
}

/** Never logged (pino redact paths of both servers): headers with credentials and any secret-bearing field. */
export const NEVER_LOGGED: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'req.headers["x-kryonix-passphrase"]',
  '*.passphrase',
  'res.headers["set-cookie"]',
  '*.apiKey',
  '*.password',
  '*.rolePassword',
  '*.token',
];
