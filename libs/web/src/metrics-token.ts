import { createHash, timingSafeEqual } from 'node:crypto';
import { Unauthorized } from '@kryonix/domain';

export const METRICS_TOKEN = Symbol('METRICS_TOKEN');

/**
 * /metrics is open unless KRYONIX_METRICS_TOKEN is set; then Prometheus must send
 * `Authorization: Bearer <token>` (compared in constant time).
 */
export function assertMetricsAccess(authorization: string | undefined, token: string | undefined): void {
  if (!token) return;
  const presented = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1] ?? '';
  const digest = (v: string) => createHash('sha256').update(v).digest();
  if (!timingSafeEqual(digest(presented), digest(token))) throw new Unauthorized('Missing or invalid metrics token (Authorization: Bearer <KRYONIX_METRICS_TOKEN>).');
}
