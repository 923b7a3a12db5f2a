import type { Settings } from './settings/settings';

/**
 * The URL a client uses to reach tenant `id`: KRYONIX_PUBLIC_URL with `<id>` replaced, or
 * `https://<id>.<base-domain>:<data port>` (the port left out when it is 443).
 */
export function tenantUrl(settings: Pick<Settings, 'publicUrl' | 'baseDomain' | 'dataPort'>, id: string): string {
  if (settings.publicUrl) return settings.publicUrl.replace('<id>', id).replace(/\/$/, '');
  return `https://${id}.${settings.baseDomain}${settings.dataPort === 443 ? '' : `:${settings.dataPort}`}`;
}
