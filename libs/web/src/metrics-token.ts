import { Unauthorized } from '@kryonix/domain';
import { bearerMatches } from './bearer';

export const METRICS_TOKEN = Symbol('METRICS_TOKEN');

/**
 * /metrics is open unless KRYONIX_METRICS_TOKEN is set; then Prometheus must send
 * `Authorization: Bearer <token>`.
 */
export function assertMetricsAccess(authorization: string | undefined, token: string | undefined): void {
  if (token && !bearerMatches(authorization, token)) throw new Unauthorized('Missing or invalid metrics token (Authorization: Bearer <KRYONIX_METRICS_TOKEN>).');
}
